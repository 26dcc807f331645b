import { RedisLock } from '@meetings/db';
import { TEMP_UPLOADS_PREFIX } from '@meetings/storage';
import type { ObjectStore } from '@meetings/storage';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';

/**
 * Deletes the objects under `temp/uploads/` older than `maxAgeSeconds`: what uploads left behind
 * when their process died between the upload and the removal of its temporary object. Uploads
 * still running are younger than the age limit (far above an upload's time). Stops between
 * deletions once `signal` aborts. Returns how many it deleted.
 */
export async function sweepTempUploads(
  store: ObjectStore,
  maxAgeSeconds: number,
  now: Date,
  signal?: AbortSignal,
): Promise<number> {
  const cutoff = now.getTime() - maxAgeSeconds * 1000;
  let removed = 0;
  for await (const object of store.list(TEMP_UPLOADS_PREFIX)) {
    if (signal?.aborted) break;
    if (object.lastModified.getTime() >= cutoff) continue;
    await store.remove(object.key);
    removed++;
  }
  return removed;
}

export interface SweeperOptions {
  store: ObjectStore;
  redis: Redis;
  maxAgeSeconds: number;
  intervalMs: number;
  logger: Logger;
}

/** The lock's resource: one sweep at a time across all command-service instances. */
export const SWEEPER_LOCK = 'temp-uploads-sweeper';

/** One sweep under the cluster-wide lock; false when another instance holds it (and sweeps). */
export async function sweepOnce(
  options: Omit<SweeperOptions, 'intervalMs'>,
  now = new Date(),
): Promise<boolean> {
  const lock = new RedisLock(options.redis, SWEEPER_LOCK);
  return lock.runExclusive(async (signal) => {
    const removed = await sweepTempUploads(options.store, options.maxAgeSeconds, now, signal);
    if (removed > 0) options.logger.info({ removed }, 'temp uploads swept');
  });
}

/** Sweeps every `intervalMs` (the first right away); returns the stop function. */
export function scheduleTempUploadSweeps(options: SweeperOptions): () => void {
  const run = () =>
    void sweepOnce(options).catch((error: unknown) =>
      options.logger.warn({ err: error }, 'temp upload sweep failed'),
    );
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  run();
  return () => clearInterval(timer);
}
