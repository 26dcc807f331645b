import { PostgresEventStore } from '@meetings/db';
import { createUpcasterRegistry } from '@meetings/events';
import type { Redis } from 'ioredis';
import type { Etcd3 } from 'etcd3';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from '@meetings/db';
import { EtcdTarget } from './adapters/etcd/etcd-target.js';
import { EventStoreSource } from './adapters/postgres/event-store-source.js';
import { PostgresDeadLetterStore } from './adapters/postgres/postgres-dead-letter-store.js';
import { PostgresTarget } from './adapters/postgres/postgres-target.js';
import { RedisTarget } from './adapters/redis/redis-target.js';
import { MongoTarget } from './adapters/mongodb/mongo-target.js';
import { MongoAnalyticsProjector } from './projectors/mongo/mongo-analytics-projector.js';
import type { ProjectionTarget } from './ports/checkpoint-store.js';
import type { DeadLetterStore } from './ports/dead-letter-store.js';
import type { EventSource } from './ports/event-source.js';
import { postgresProjectors } from './projectors/postgres/index.js';
import { CONFIG_PREFIX, ConfigMirrorProjector } from './projectors/etcd/config-mirror-projector.js';
import type { Projector } from './projectors/projector.js';
import { RoomCacheProjector } from './projectors/redis/room-cache-projector.js';
import { SessionRolesProjector } from './projectors/redis/session-roles-projector.js';
import { ProjectionRunner } from './runner/projection-runner.js';
import type { RunnerMetrics } from './ports/runner-metrics.js';

export interface ProjectionDeps {
  pool: pg.Pool;
  redis: Redis;
  redisKeyPrefix: string;
  logger: Logger;
  batchSize: number;
  pollIntervalMs: number;
  maxAttempts: number;
  notifyMaxAgeSeconds: number;
  /** Given (ETCD_ENDPOINTS set): the configuration is mirrored into etcd too. */
  etcd?: Etcd3;
  /** Given (MONGO_URL set): the analytics database the `mongo-analytics` projection writes. */
  mongo?: Db;
  /** Given: the runners report batch sizes and dead letters (the workers' /metrics). */
  metrics?: RunnerMetrics;
}

/** A projector with the target it writes to. */
export interface Projection<Tx = unknown> {
  projector: Projector<Tx>;
  target: ProjectionTarget<Tx>;
  /**
   * Reads the event store's log even where the others read Kafka: its target keeps the log
   * checkpoint with the effects, which a source keeping its own offsets would never give it.
   */
  readsLog?: boolean;
}

/** The names of every projection of the local profile (their checkpoints and dead letters use them). */
export function projectionNames(): string[] {
  return [
    ...postgresProjectors.map((p) => p.name),
    new RoomCacheProjector().name,
    new SessionRolesProjector().name,
  ];
}

/**
 * Every projection of the local profile: the PostgreSQL read tables, the Redis room cache and,
 * with etcd, the configuration mirror.
 */
export function createProjections(deps: ProjectionDeps): Projection[] {
  const postgres = new PostgresTarget(deps.pool);
  const redis = new RedisTarget(deps.redis);
  const room = new RoomCacheProjector({
    notifyMaxAgeSeconds: deps.notifyMaxAgeSeconds,
    channelPrefix: deps.redisKeyPrefix,
  });
  return [
    ...postgresProjectors.map((projector) => ({ projector, target: postgres })),
    { projector: room, target: redis },
    { projector: new SessionRolesProjector(deps.redisKeyPrefix), target: redis },
    ...(deps.etcd
      ? [
          {
            projector: new ConfigMirrorProjector(),
            target: new EtcdTarget(deps.etcd, CONFIG_PREFIX),
            readsLog: true,
          },
        ]
      : []),
    ...(deps.mongo
      ? [{ projector: new MongoAnalyticsProjector(), target: new MongoTarget(deps.mongo) }]
      : []),
  ];
}

/** Where the runners read from and record dead letters: by default the PostgreSQL log and table. */
export interface RunnerSources {
  sourceFor(projection: string): EventSource;
  deadLettersFor(projection: string): DeadLetterStore;
}

export function createRunners(
  deps: ProjectionDeps,
  projections: readonly Projection[],
  sources?: RunnerSources,
): ProjectionRunner<unknown>[] {
  const log = new EventStoreSource(new PostgresEventStore(deps.pool), deps.pollIntervalMs);
  const table = new PostgresDeadLetterStore(deps.pool);
  const upcasters = createUpcasterRegistry();
  return projections.map(
    ({ projector, target, readsLog }) =>
      new ProjectionRunner({
        projector,
        target,
        source: (!readsLog && sources?.sourceFor(projector.name)) || log,
        deadLetters: (!readsLog && sources?.deadLettersFor(projector.name)) || table,
        upcasters,
        logger: deps.logger,
        batchSize: deps.batchSize,
        maxAttempts: deps.maxAttempts,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      }),
  );
}
