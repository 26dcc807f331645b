import { rm, stat } from 'node:fs/promises';
import { recordingKey, recordingLogKey } from '@meetings/storage';
import type { ObjectStore } from '@meetings/storage';
import type { Logger } from 'pino';
import { ffprobe } from '../adapters/ffmpeg/ffprobe.js';
import { RECORDING_FORMAT } from '../domain/recording.js';
import type { RecordingCommands } from './recording-commands.js';
import type { SessionFiles } from './recording-session.js';

export interface UploadParts {
  meetingId: string;
  recordingId: string;
  /** When the recording started: the stamp of its key. */
  startedAt: Date;
  files: SessionFiles;
  storage: ObjectStore;
  commands: RecordingCommands;
  ffprobePath: string;
  attempts: number;
  retryMs: number;
  log: Logger;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `fn` tried `attempts` times, waiting `retryMs`, then twice that, between tries. */
async function withRetries<T>(attempts: number, retryMs: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(retryMs * 2 ** (attempt - 1));
    }
  }
}

/**
 * A finished file: probed (an empty or unreadable one is a failure), uploaded with its log to the
 * seed's keys (multipart above the store's part size), then completed as the node. Answers the
 * failure reason, or null once RecordingCompleted is appended (or the recording was finalized by
 * someone else meanwhile: the uploaded objects are removed again, nothing refers to them). The
 * local files are removed only after the upload succeeded.
 */
export async function uploadRecording(parts: UploadParts): Promise<{ failure: string | null }> {
  const { meetingId, recordingId, startedAt, files, storage, commands, log } = parts;
  const written = (await stat(files.media).catch(() => null))?.size ?? 0;
  if (written === 0) return { failure: 'empty-recording: ffmpeg wrote nothing' };
  let probed;
  try {
    probed = await ffprobe(files.media, parts.ffprobePath);
  } catch (error) {
    return { failure: `probe-failed: ${(error as Error).message}` };
  }
  if (!(probed.sizeBytes > 0) || !(probed.durationSeconds > 0)) {
    return { failure: `empty-recording: ${probed.sizeBytes || 0} bytes, no duration` };
  }
  let stored;
  let key: string;
  let logKey: string;
  try {
    // Keys have a one-second stamp: a recording started in the same second as an earlier one of
    // the meeting (stopped and started again) takes the next free second rather than overwrite it.
    let stamp = startedAt;
    for (let i = 0; ; i++) {
      key = recordingKey(meetingId, stamp, RECORDING_FORMAT.extension);
      if (i >= 10 || !(await storage.stat(key))) break;
      stamp = new Date(stamp.getTime() + 1000);
    }
    logKey = recordingLogKey(meetingId, stamp);
    stored = await withRetries(parts.attempts, parts.retryMs, () =>
      storage.putFile(key, files.media, {
        contentType: RECORDING_FORMAT.contentType,
        sizeBytes: probed.sizeBytes,
      }),
    );
  } catch (error) {
    return { failure: `upload-failed: ${(error as Error).message}` };
  }
  // The log helps whoever looks at a bad recording; the recording does not depend on it.
  await withRetries(parts.attempts, parts.retryMs, () =>
    storage.putFile(logKey, files.log, { contentType: 'text/plain; charset=utf-8' }),
  ).catch((error: unknown) => log.warn({ err: error, key: logKey }, 'recording log not uploaded'));
  const file = {
    storageKey: key,
    sizeBytes: stored.sizeBytes,
    durationSeconds: Math.round(probed.durationSeconds * 1000) / 1000,
    format: RECORDING_FORMAT.extension,
  };
  await Promise.all([rm(files.media, { force: true }), rm(files.log, { force: true })]);
  if (await commands.complete(meetingId, recordingId, file)) {
    log.info(file, 'recording completed');
  } else {
    log.warn({ key }, 'the recording was finalized meanwhile: its upload is removed');
    await Promise.all([storage.remove(key), storage.remove(logKey)]).catch(() => undefined);
  }
  return { failure: null };
}
