import { startHealthServer } from '@meetings/command-service/http';
import type { HealthServer, Registry } from '@meetings/command-service/http';
import { withTimeout } from '@meetings/db';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { ProjectionLag } from './projection-lag.js';
import type { LaggingReader } from './projection-lag.js';

/** Longest a readiness check waits for PostgreSQL, Redis and the lag before answering 503. */
const READY_TIMEOUT_MS = 1500;

export interface WorkerHealthOptions {
  host: string;
  port: number;
  registry: Registry;
  pool: pg.Pool;
  redis: Redis;
  readers: readonly LaggingReader[];
  /** A projection more events behind than this makes the worker not ready. */
  maxLagEvents: number;
  logger: Logger;
}

/**
 * The projection workers' /metrics, /health/live and /health/ready: ready while PostgreSQL and
 * Redis answer and no projection is more than `maxLagEvents` behind the head of the log.
 */
export function startWorkerHealth(options: WorkerHealthOptions): Promise<HealthServer> {
  const lag = new ProjectionLag(options.pool, options.readers, options.registry);
  return startHealthServer({
    host: options.host,
    port: options.port,
    registry: options.registry,
    logger: options.logger,
    checkReady: () =>
      withTimeout(
        Promise.all([
          options.pool.query('SELECT 1'),
          options.redis.ping(),
          lag.assertWithin(options.maxLagEvents),
        ]),
        READY_TIMEOUT_MS,
        'readiness',
      ).then(() => undefined),
  });
}
