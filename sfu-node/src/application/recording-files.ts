import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RECORDING_FORMAT } from '../domain/recording.js';
import type { SessionFiles } from './recording-session.js';

export interface RecordingFiles extends SessionFiles {
  /** `{meetingId, recordingId, nodeId, startedAt}` while the recording is this node's. */
  manifest: string;
}

export interface Manifest {
  meetingId: string;
  recordingId: string;
  nodeId: string;
  startedAt: Date;
}

/**
 * A recording's files in the node's directory, named by its id (a UUID, checked before it gets
 * here): the media, ffmpeg's log, the SDP and the manifest that outlives a crash.
 */
export function recordingFiles(dir: string, recordingId: string): RecordingFiles {
  const base = join(dir, recordingId);
  return {
    media: `${base}.${RECORDING_FORMAT.extension}`,
    log: `${base}.log`,
    sdp: `${base}.sdp`,
    manifest: `${base}.json`,
  };
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFile(recordingFiles(dir, manifest.recordingId).manifest, JSON.stringify(manifest));
}

/** The manifests a previous life left in the directory (made, private, if missing). */
export async function leftManifests(dir: string): Promise<{ path: string; read(): Promise<Manifest> }[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return (await readdir(dir))
    .filter((name) => name.endsWith('.json'))
    .map((name) => {
      const path = join(dir, name);
      return { path, read: async () => JSON.parse(await readFile(path, 'utf8')) as Manifest };
    });
}

/** Removes the bookkeeping files (manifest, SDP); the media and its log are the upload's to remove. */
export async function removeFiles(files: RecordingFiles): Promise<void> {
  await Promise.all([files.manifest, files.sdp].map((f) => rm(f, { force: true })));
}
