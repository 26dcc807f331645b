import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createProjections, createRunners, projectionNames } from '../projections.js';
import { ProjectionWorker } from '../runner/projection-worker.js';
import { waitUntilCaughtUp } from './caught-up.js';
import { copyEventLog } from './log-copy.js';
import { dumpRedis, dumpTables } from './read-model-dump.js';

const redisUrl = () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ReadModels {
  tables: Record<string, string[]>;
  redis: Record<string, unknown>;
}

/**
 * The room cache under `prefix`, with the notification queue as a set: jobs are queued in the
 * order they are applied, and Kafka interleaves partitions differently from the global log.
 */
export async function roomCache(prefix: string): Promise<Record<string, unknown>> {
  const dump = await dumpRedis(redisUrl(), prefix);
  const queue = dump['queue:notifications'];
  if (Array.isArray(queue)) dump['queue:notifications'] = [...(queue as string[])].sort();
  return dump;
}

export async function readModels(pool: pg.Pool, redisPrefix: string): Promise<ReadModels> {
  const [tables, redis] = await Promise.all([dumpTables(pool), roomCache(redisPrefix)]);
  return { tables, redis };
}

/** What the local profile makes of `source`'s log: copied to a scratch database and projected there. */
export async function localProfileOf(source: pg.Pool): Promise<ReadModels> {
  const db = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined);
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(redisUrl(), { keyPrefix: prefix });
  const logger = pino({ level: 'silent' });
  try {
    await copyEventLog(source, pool);
    const deps = {
      pool,
      redis,
      redisKeyPrefix: prefix,
      logger,
      batchSize: 1000,
      pollIntervalMs: 10,
      maxAttempts: 3,
      notifyMaxAgeSeconds: 600,
    };
    const worker = new ProjectionWorker(createRunners(deps, createProjections(deps)), logger);
    worker.start();
    await waitUntilCaughtUp(pool, redisUrl(), prefix, projectionNames());
    await worker.stop();
    return await readModels(pool, prefix);
  } finally {
    redis.disconnect();
    await pool.end();
    await Promise.all([db.drop(), deleteKeys(redisUrl(), prefix)]);
  }
}

/**
 * Polls until the read models under `pool` / `redisPrefix` equal `expected`, or the time is up;
 * returns the last ones read. Kafka-driven projections keep no log checkpoint to wait for.
 */
export async function convergedReadModels(
  pool: pg.Pool,
  redisPrefix: string,
  expected: ReadModels,
  timeoutMs = 120_000,
): Promise<ReadModels> {
  const want = JSON.stringify(expected);
  const deadline = Date.now() + timeoutMs;
  let got = await readModels(pool, redisPrefix);
  while (JSON.stringify(got) !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    got = await readModels(pool, redisPrefix);
  }
  return got;
}
