import { PostgresEventStore } from '@meetings/db';
import type { Db } from '@meetings/db';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { MongoTarget } from '../adapters/mongodb/mongo-target.js';
import { PostgresAppliedOffsets } from '../adapters/postgres/postgres-applied-offsets.js';
import { PostgresRelayPause } from '../adapters/postgres/postgres-relay-pause.js';
import { PostgresTarget } from '../adapters/postgres/postgres-target.js';
import { RedisTarget } from '../adapters/redis/redis-target.js';
import type { Projection } from '../projections.js';
import { rebuildMongoProjection } from './mongo/rebuild-mongo-projection.js';
import { READ_MODEL_TABLES } from './postgres/read-model-tables.js';
import {
  DEFAULT_BULK_BATCH_SIZE,
  rebuildPostgresProjection,
} from './postgres/rebuild-postgres-projection.js';
import { rebuildRedisProjection } from './redis/rebuild-redis-projection.js';
import type { KafkaLiveRun } from './redis/rebuild-redis-projection.js';
import { withRebuildLock } from './rebuild-lock.js';
import { SharedLogReader } from './shared-log-reader.js';
import type { SharedReader } from './shared-log-reader.js';
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
  /** The relay's checkpoint name (default `kafka-relay`): where the room cache's switch meets it. */
  relayName?: string;
  /** Given (MONGO_URL set): the analytics database of `mongo-analytics`. */
  mongo?: Db;
  /** The live Redis client (its keyPrefix REDIS_KEY_PREFIX), for the room cache. */
  redis?: { client: Redis; keyPrefix: string; notifyMaxAgeSeconds: number };
}

/**
 * Rebuilds several projections side by side, each as `rebuildProjection` does; the PostgreSQL
 * ones read the log once between them (shared-log-reader.ts). Every rebuild runs to its end; the
 * results come in the order of `names`, and the first failure, if any, rejects once all have ended.
 */
export async function rebuildProjections(
  deps: RebuildDeps,
  names: readonly string[],
  options: RebuildOptions = {},
): Promise<RebuildResult[]> {
  // Refused before any starts: all of them, or none.
  const kinds = names.map((name) => rebuildable(deps, name).kind);
  if (new Set(names).size !== names.length) throw new RebuildRefused('a projection is named twice');
  const shared = new SharedLogReader(new PostgresEventStore(deps.pool), {
    pageSize: deps.bulkBatchSize ?? DEFAULT_BULK_BATCH_SIZE,
  });
  // Every reader is taken before any rebuild reads: see SharedLogReader.reader.
  const readers = kinds.map((kind) => (kind === 'postgres' ? shared.reader() : undefined));
  const settled = await Promise.allSettled(
    names.map((name, i) => rebuildProjection(deps, name, options, readers[i])),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<RebuildResult>).value);
}

/**
 * Rebuilds one projection blue/green, by the kind of store its read model lives in. An abort
 * rejects with RebuildInterrupted whichever store it is.
 */
export async function rebuildProjection(
  deps: RebuildDeps,
  name: string,
  options: RebuildOptions = {},
  sharedLog?: SharedReader,
): Promise<RebuildResult> {
  try {
    return await rebuildByStore(deps, name, options, sharedLog);
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof RebuildInterrupted))
      throw new RebuildInterrupted(`the rebuild of ${name} was interrupted`);
    throw error;
  }
}

type StoreKind = 'postgres' | 'mongo' | 'redis';

/** The projection by name and the kind of rebuild it takes; RebuildRefused when it takes none. */
function rebuildable(deps: RebuildDeps, name: string): { projection: Projection; kind: StoreKind } {
  const projection = deps.projections.find((p) => p.projector.name === name);
  if (!projection) {
    const known = deps.projections.map((p) => p.projector.name).join(', ');
    throw new RebuildRefused(`unknown projection "${name}"; known: ${known}`);
  }
  if (projection.target instanceof PostgresTarget && READ_MODEL_TABLES[name])
    return { projection, kind: 'postgres' };
  if (projection.target instanceof MongoTarget && deps.mongo) return { projection, kind: 'mongo' };
  if (projection.target instanceof RedisTarget && name === 'room-cache' && deps.redis)
    return { projection, kind: 'redis' };
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

async function rebuildByStore(
  deps: RebuildDeps,
  name: string,
  options: RebuildOptions,
  sharedLog: SharedReader | undefined,
): Promise<RebuildResult> {
  const { projection, kind } = rebuildable(deps, name);
  if (kind === 'postgres') {
    return rebuildPostgresProjection(
      {
        pool: deps.pool,
        logger: deps.logger,
        batchSize: deps.batchSize,
        liveReadsKafka: deps.liveReadsKafka,
        ...(deps.bulkBatchSize ? { bulkBatchSize: deps.bulkBatchSize } : {}),
        ...(sharedLog ? { sharedLog } : {}),
      },
      projection.projector,
      options,
    );
  }
  sharedLog?.close();
  if (kind === 'mongo') {
    return rebuildMongoProjection(
      {
        pool: deps.pool,
        mongo: deps.mongo!,
        logger: deps.logger,
        batchSize: deps.batchSize,
        ...(deps.bulkBatchSize ? { bulkBatchSize: deps.bulkBatchSize } : {}),
      },
      'mongo-analytics',
      options,
    );
  }
  const { client, keyPrefix, notifyMaxAgeSeconds } = deps.redis!;
  return withRebuildLock(deps.pool, name, () =>
    rebuildRedisProjection(
      {
        pool: deps.pool,
        redis: client,
        keyPrefix,
        logger: deps.logger,
        batchSize: deps.batchSize,
        notifyMaxAgeSeconds,
        ...(deps.liveReadsKafka ? { kafka: kafkaLiveRun(deps.pool, deps.relayName ?? 'kafka-relay') } : {}),
      },
      'room-cache',
      options,
    ),
  );
}

/** The room cache's live run on the Kafka path, as PostgreSQL's bookkeeping of relay and consumers tells it. */
function kafkaLiveRun(pool: pg.Pool, relayName: string): KafkaLiveRun {
  const pause = new PostgresRelayPause(pool);
  const offsets = new PostgresAppliedOffsets(pool);
  const checkpoints = new PostgresTarget(pool);
  return {
    pauseRelay: () => pause.pause(),
    relayCheckpoint: () => checkpoints.loadCheckpoint(relayName),
    unappliedRelayed: () => offsets.unappliedRelayed('room-cache'),
  };
}
