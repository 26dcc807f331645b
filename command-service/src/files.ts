import { S3ObjectStore, storageConfigFrom } from '@meetings/storage';
import type { Redis } from 'ioredis';
import type { RequestHandler } from 'express';
import { RedisCommandRateLimiter } from './adapters/redis/redis-command-rate-limiter.js';
import type { CommandHandler } from './application/command-handler.js';
import { Avatars } from './application/files/avatars.js';
import { MeetingDocuments } from './application/files/meeting-documents.js';
import { scheduleTempUploadSweeps } from './application/files/temp-upload-sweeper.js';
import type { Config } from './config.js';
import { fileRoutes } from './http/routes/file-routes.js';
import type { RouteSpec } from './http/route-spec.js';
import { uploadRouter } from './http/upload-routes.js';
import type { Logger } from './logger.js';
import type { SessionStore } from './ports/session-store.js';
import { TEMP_UPLOADS_PREFIX } from '@meetings/storage';

export interface Files {
  routes: RouteSpec[];
  rawBodyRoutes: RequestHandler;
  /** What an account deletion erases besides personal data: the avatar object. */
  erasers: ((userId: string) => Promise<void>)[];
  stop(): void;
}

/**
 * Avatars, meeting documents and the temp upload sweeper on the configured S3 server. Without
 * S3_ENDPOINT the same endpoints exist and answer 503 storage-not-configured, and nothing else
 * changes: the service runs without object storage.
 */
export async function startFiles(
  config: Config,
  deps: { commands: CommandHandler; sessions: SessionStore; redis: Redis; logger: Logger },
): Promise<Files> {
  const storage = storageConfigFrom(config);
  const logger = deps.logger.child({ component: 'files' });
  const store = storage ? new S3ObjectStore(storage) : null;
  if (store) {
    // A server down at start is no reason to stay down: uploads answer 503 until it is back.
    await store
      .ensureBucket()
      .catch((error: unknown) => logger.warn({ err: error }, 'object storage unreachable at start'));
    // A lifecycle rule where the server takes one; the sweeper runs either way (MinIO and radosgw
    // take it, but expire only on their own schedule, in whole days).
    const days = Math.max(1, Math.ceil(config.TEMP_UPLOAD_MAX_AGE_SECONDS / 86_400));
    const accepted = await store.expireUnder(TEMP_UPLOADS_PREFIX, days).catch(() => false);
    logger.info({ bucket: store.bucket, lifecycleRule: accepted }, 'object storage ready');
  } else logger.info('no S3_ENDPOINT: running without object storage (uploads and downloads answer 503)');
  const avatars = new Avatars(store, deps.commands);
  const documents = new MeetingDocuments(store, deps.commands, config.DOCUMENT_MAX_BYTES, logger);
  const stopSweeps = store
    ? scheduleTempUploadSweeps({
        store,
        redis: deps.redis,
        maxAgeSeconds: config.TEMP_UPLOAD_MAX_AGE_SECONDS,
        intervalMs: config.TEMP_UPLOAD_SWEEP_INTERVAL_SECONDS * 1000,
        logger,
      })
    : () => undefined;
  return {
    routes: fileRoutes(avatars, documents),
    rawBodyRoutes: uploadRouter({
      sessions: deps.sessions,
      logger: deps.logger,
      avatars,
      documents,
      avatarMaxBytes: config.AVATAR_MAX_BYTES,
      documentMaxBytes: config.DOCUMENT_MAX_BYTES,
      ...(config.RATE_LIMIT_COMMANDS > 0
        ? {
            rateLimiter: new RedisCommandRateLimiter(
              deps.redis,
              config.RATE_LIMIT_COMMANDS,
              config.RATE_LIMIT_WINDOW_SECONDS,
            ),
          }
        : {}),
    }),
    erasers: [(userId) => avatars.erase(userId)],
    stop: stopSweeps,
  };
}
