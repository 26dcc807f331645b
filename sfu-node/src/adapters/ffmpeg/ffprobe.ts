import { execFile } from 'node:child_process';

export interface Probed {
  durationSeconds: number;
  sizeBytes: number;
  /** ffprobe's format name, e.g. `matroska,webm`. */
  formatName: string;
}

/** ffprobe's reading of a media file: its container, size and duration. */
export function ffprobe(path: string, ffprobePath = 'ffprobe'): Promise<Probed> {
  const args = ['-v', 'error', '-show_entries', 'format=duration,size,format_name', '-of', 'json', path];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { timeout: 30_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`ffprobe failed: ${String(stderr).trim() || error.message}`));
      try {
        const { format } = JSON.parse(stdout) as {
          format?: { duration?: string; size?: string; format_name?: string };
        };
        resolve({
          durationSeconds: Number(format?.duration ?? NaN),
          sizeBytes: Number(format?.size ?? NaN),
          formatName: format?.format_name ?? '',
        });
      } catch {
        reject(new Error(`ffprobe answered no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
