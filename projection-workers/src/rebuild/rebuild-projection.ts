import type { Db } from '@meetings/db';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { MongoTarget } from '../adapters/mongodb/mongo-target.js';
import { PostgresTarget } from '../adapters/postgres/postgres-target.js';
import { RedisTarget } from '../adapters/redis/redis-target.js';
import type { Projection } from '../projections.js';
import { rebuildMongoProjection } from './mongo/rebuild-mongo-projection.js';
import { rebuildPostgresProjection } from './postgres/rebuild-postgres-projection.js';
import { rebuildRedisProjection } from './redis/rebuild-redis-projection.js';
import { withRebuildLock } from './rebuild-lock.js';
import { RebuildInterrupted, RebuildRefused } from './rebuild-progress.js';
import type { RebuildOptions, RebuildResult } from './rebuild-progress.js';

export interface RebuildDeps {
  pool: pg.Pool;
  logger: Logger;
  projections: readonly Projection[];
  batchSize: number;
  bulkBatchSize?: number;
  /** The full profile: the live projections read Kafka. */
  liveReadsKafka: boolean;
  /** Given (MONGO_URL set): the analytics database of `mongo-analytics`. */
  mongo?: Db;
  /** The live Redis client (its keyPrefix REDIS_KEY_PREFIX), for the room cache. */
  redis?: { client: Redis; keyPrefix: string; notifyMaxAgeSeconds: number };
}

/**
 * Rebuilds one projection blue/green, by the kind of store its read model lives in. An abort
 * rejects with RebuildInterrupted whichever store it is.
 */
export async function rebuildProjection(
  deps: RebuildDeps,
  name: string,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  try {
    return await rebuildByStore(deps, name, options);
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof RebuildInterrupted))
      throw new RebuildInterrupted(`the rebuild of ${name} was interrupted`);
    throw error;
  }
}

async function rebuildByStore(
  deps: RebuildDeps,
  name: string,
  options: RebuildOptions,
): Promise<RebuildResult> {
  const projection = deps.projections.find((p) => p.projector.name === name);
  if (!projection) {
    const known = deps.projections.map((p) => p.projector.name).join(', ');
    throw new RebuildRefused(`unknown projection "${name}"; known: ${known}`);
  }
  if (projection.target instanceof PostgresTarget) {
    return rebuildPostgresProjection(
      {
        pool: deps.pool,
        logger: deps.logger,
        batchSize: deps.batchSize,
        liveReadsKafka: deps.liveReadsKafka,
        ...(deps.bulkBatchSize ? { bulkBatchSize: deps.bulkBatchSize } : {}),
      },
      projection.projector,
      options,
    );
  }
  if (projection.target instanceof MongoTarget && deps.mongo) {
    return rebuildMongoProjection(
      {
        pool: deps.pool,
        mongo: deps.mongo,
        logger: deps.logger,
        batchSize: deps.batchSize,
        ...(deps.bulkBatchSize ? { bulkBatchSize: deps.bulkBatchSize } : {}),
      },
      'mongo-analytics',
      options,
    );
  }
  if (projection.target instanceof RedisTarget && name === 'room-cache' && deps.redis) {
    const { client, keyPrefix, notifyMaxAgeSeconds } = deps.redis;
    return withRebuildLock(deps.pool, name, () =>
      rebuildRedisProjection(
        {
          pool: deps.pool,
          redis: client,
          keyPrefix,
          logger: deps.logger,
          batchSize: deps.batchSize,
          notifyMaxAgeSeconds,
        },
        name,
        options,
      ),
    );
  }
  if (name === 'session-roles')
    throw new RebuildRefused(
      'session-roles changes live log-in sessions in place: `replay session-roles` re-applies it',
    );
  if (name === 'config-mirror')
    throw new RebuildRefused(
      'config-mirror rewrites its etcd keys in place: `replay config-mirror` re-applies it',
    );
  throw new RebuildRefused(`${name} cannot be rebuilt blue/green`);
}
