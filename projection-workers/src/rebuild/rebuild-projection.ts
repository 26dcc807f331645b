import type { Db } from '@meetings/db';
import type pg from 'pg';
import type { Logger } from 'pino';
import { MongoTarget } from '../adapters/mongodb/mongo-target.js';
import { PostgresTarget } from '../adapters/postgres/postgres-target.js';
import type { Projection } from '../projections.js';
import { rebuildMongoProjection } from './mongo/rebuild-mongo-projection.js';
import { rebuildPostgresProjection } from './postgres/rebuild-postgres-projection.js';
import { RebuildRefused } from './rebuild-progress.js';
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
}

/** Rebuilds one projection blue/green, by the kind of store its read model lives in. */
export async function rebuildProjection(
  deps: RebuildDeps,
  name: string,
  options: RebuildOptions = {},
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
  throw new RebuildRefused(`${name} cannot be rebuilt blue/green`);
}
