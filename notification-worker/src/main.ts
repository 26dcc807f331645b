import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createMetrics, startHealthServer } from '@meetings/command-service/http';
import {
  createPool,
  logConnectionErrors,
  logDestination,
  REDIS_OUTAGE_OPTIONS,
  withTimeout,
} from '@meetings/db';
import { loadConfigOrExit } from '@meetings/events';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { PostgresRecipientDirectory } from './adapters/postgres/postgres-recipient-directory.js';
import { SmtpMailer } from './adapters/smtp/smtp-mailer.js';
import { loadConfig } from './config.js';
import { NotificationWorker } from './notification-worker.js';
import { RedisJobQueue } from './queue/redis-job-queue.js';
import { notificationMetrics } from './metrics/notification-metrics.js';

const config = loadConfigOrExit('notification-worker', loadConfig);
const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
const logger = pino(
  { level: config.LOG_LEVEL, base: { service: 'notification-worker', workerId } },
  logDestination('notification-worker', config),
);
const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE }, logger);
const redisOptions = { ...REDIS_OUTAGE_OPTIONS, keyPrefix: config.REDIS_KEY_PREFIX };
const redis = new Redis(config.REDIS_URL, redisOptions);
// The blocking take waits up to a second, within the outage options' command timeout.
const blocking = new Redis(config.REDIS_URL, redisOptions);
redis.on('error', logConnectionErrors(logger, 'Redis'));
blocking.on('error', logConnectionErrors(logger, 'Redis'));

const mailer = config.SMTP_HOST
  ? new SmtpMailer({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      from: config.SMTP_FROM!, // required with SMTP_HOST by the schema
      secure: config.SMTP_SECURE,
      requireTls: config.SMTP_REQUIRE_TLS,
      ignoreTls: config.SMTP_IGNORE_TLS,
      auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD! } : null,
      timeoutMs: config.SMTP_TIMEOUT_MS,
    })
  : null;
if (!mailer) logger.warn('SMTP_HOST is not set: email jobs are logged, not sent');

const metrics = createMetrics('notification-worker');
const worker = new NotificationWorker({
  onOutcome: notificationMetrics(metrics, redis),
  queue: new RedisJobQueue(redis, blocking, workerId, config.NOTIFY_HEARTBEAT_TTL_MS),
  directory: new PostgresRecipientDirectory(pool),
  mailer,
  logger,
  maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
  retryBaseMs: config.NOTIFY_RETRY_BASE_MS,
  retryMaxMs: config.NOTIFY_RETRY_MAX_MS,
  heartbeatTtlMs: config.NOTIFY_HEARTBEAT_TTL_MS,
});
await worker.start();
const health = await startHealthServer({
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  registry: metrics,
  logger,
  checkReady: () =>
    withTimeout(Promise.all([pool.query('SELECT 1'), redis.ping()]), 1500, 'readiness').then(() => undefined),
});
logger.info(
  { smtp: config.SMTP_HOST ? `${config.SMTP_HOST}:${config.SMTP_PORT}` : null },
  'notification-worker running',
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down: finishing the job in hand');
    worker
      .stop()
      .then(() => health.close())
      .then(() => {
        mailer?.close();
        return Promise.allSettled([pool.end(), redis.quit(), blocking.quit()]);
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
