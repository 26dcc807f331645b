import { ensureMongoIndexes } from '@meetings/db';
import type { Db } from '@meetings/db';
import type pg from 'pg';
import type { Logger } from 'pino';
import { withRebuildLock } from '../rebuild-lock.js';
import { RebuildRefused } from '../rebuild-progress.js';
import type { RebuildOptions, RebuildResult } from '../rebuild-progress.js';
import { createGenerationCollections, generationCollections, indexedAs } from './generation-collections.js';
import { GenerationBuild } from './generation-build.js';
import { finishMarker, loadMarker, startMarker, updateMarker } from './rebuild-marker.js';
import { switchToGeneration } from './switch-generation.js';

export interface MongoRebuildDeps {
  pool: pg.Pool;
  mongo: Db;
  logger: Logger;
  /** The catch-up batch size (the worker's). */
  batchSize: number;
  /** The bulk load's batch size (default the larger of batchSize and BULK_BATCH_SIZE). */
  bulkBatchSize?: number;
}

/** Few, large batches while the generation is loaded: each meeting document is written fewer times. */
const BULK_BATCH_SIZE = 5_000;

/**
 * Rebuilds the mongo-analytics projection blue/green. A generation of its collections
 * (`<name>__gen_<generation>`, analytics_erased_users included: it is projector state) is built
 * beside the live ones by the same projector, from the PostgreSQL log, in large batches and without
 * secondary indexes; the indexes are made once, the generation catches up, and the switch
 * (switch-generation.ts) renames it over the live collections, which query-api reads throughout.
 * The projection has no side effects outbound (it writes MongoDB only), so a rebuild triggers none.
 * One rebuild at a time (a PostgreSQL advisory lock); one interrupted (SIGKILL, abort) leaves the
 * live collections untouched and is continued from its own checkpoint by the next.
 */
export async function rebuildMongoProjection(
  deps: MongoRebuildDeps,
  name: 'mongo-analytics',
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  if (name !== 'mongo-analytics') throw new RebuildRefused(`${String(name)} is not a MongoDB projection`);
  const started = Date.now();
  return withRebuildLock(deps.pool, name, async () => {
    const existing = await loadMarker(deps.mongo, name);
    const marker = existing ?? (await startMarker(deps.mongo, name));
    const names = generationCollections(marker.generation);
    const build = new GenerationBuild(deps, marker.generation, names, options);
    if (!marker.switching) {
      if (marker.phase === 'loading') {
        await createGenerationCollections(deps.mongo, names);
        const bulk = deps.bulkBatchSize ?? Math.max(deps.batchSize, BULK_BATCH_SIZE);
        await build.runToHead('building', bulk, options.signal);
        build.progress.report('indexing');
        await ensureMongoIndexes(deps.mongo, indexedAs(names));
        await updateMarker(deps.mongo, name, { phase: 'indexed' });
      }
      await build.runToHead('catching-up', deps.batchSize, options.signal);
    }
    build.progress.report('switching');
    const switchedAt = await switchToGeneration(
      {
        db: deps.mongo,
        logger: deps.logger,
        projection: name,
        names,
        catchUp: () => build.runToHead('switching', deps.batchSize),
      },
      marker,
    );
    await finishMarker(deps.mongo, name, marker.generation);
    build.progress.report('switched', switchedAt);
    return {
      projection: name,
      generation: marker.generation,
      resumed: existing !== null,
      switchedAt,
      seconds: (Date.now() - started) / 1000,
    };
  });
}
