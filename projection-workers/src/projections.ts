import { PostgresEventStore } from '@meetings/db';
import { createUpcasterRegistry } from '@meetings/events';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { EventStoreSource } from './adapters/postgres/event-store-source.js';
import { PostgresDeadLetterStore } from './adapters/postgres/postgres-dead-letter-store.js';
import { PostgresTarget } from './adapters/postgres/postgres-target.js';
import { RedisTarget } from './adapters/redis/redis-target.js';
import type { ProjectionTarget } from './ports/checkpoint-store.js';
import type { DeadLetterStore } from './ports/dead-letter-store.js';
import type { EventSource } from './ports/event-source.js';
import { postgresProjectors } from './projectors/postgres/index.js';
import type { Projector } from './projectors/projector.js';
import { RoomCacheProjector } from './projectors/redis/room-cache-projector.js';
import { SessionRolesProjector } from './projectors/redis/session-roles-projector.js';
import { ProjectionRunner } from './runner/projection-runner.js';

export interface ProjectionDeps {
  pool: pg.Pool;
  redis: Redis;
  redisKeyPrefix: string;
  logger: Logger;
  batchSize: number;
  pollIntervalMs: number;
  maxAttempts: number;
  notifyMaxAgeSeconds: number;
}

/** A projector with the target it writes to. */
export interface Projection<Tx = unknown> {
  projector: Projector<Tx>;
  target: ProjectionTarget<Tx>;
}

/** The names of every projection of the local profile (their checkpoints and dead letters use them). */
export function projectionNames(): string[] {
  return [
    ...postgresProjectors.map((p) => p.name),
    new RoomCacheProjector().name,
    new SessionRolesProjector().name,
  ];
}

/** Every projection of the local profile: the PostgreSQL read tables and the Redis room cache. */
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
    ({ projector, target }) =>
      new ProjectionRunner({
        projector,
        target,
        source: sources?.sourceFor(projector.name) ?? log,
        deadLetters: sources?.deadLettersFor(projector.name) ?? table,
        upcasters,
        logger: deps.logger,
        batchSize: deps.batchSize,
        maxAttempts: deps.maxAttempts,
      }),
  );
}
