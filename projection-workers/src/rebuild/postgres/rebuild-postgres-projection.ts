import { createUpcasterRegistry } from '@meetings/events';
import type { EventStore, UpcasterRegistry } from '@meetings/events';
import { PostgresEventStore } from '@meetings/db';
import type pg from 'pg';
import type { Logger } from 'pino';
import { EventStoreSource } from '../../adapters/postgres/event-store-source.js';
import { loadCheckpoint } from '../../adapters/postgres/postgres-target.js';
import { PostgresDeadLetterStore } from '../../adapters/postgres/postgres-dead-letter-store.js';
import type { Projector } from '../../projectors/projector.js';
import { ProjectionRunner } from '../../runner/projection-runner.js';
import { withRebuildLock } from '../rebuild-lock.js';
import { PhaseReporter } from '../phase-reporter.js';
import { RebuildRefused } from '../rebuild-progress.js';
import { logHead, runToHead } from '../run-to-head.js';
import type { SharedReader } from '../shared-log-reader.js';
import type { RebuildOptions, RebuildPhase, RebuildResult } from '../rebuild-progress.js';
import { GenerationTarget } from './generation-target.js';
import { bulkLoadSurvived, finishBulkLoad, restartBulkLoad } from './generation-tables.js';
import { buildingGeneration, generationRunName, markIndexed, startGeneration } from './generations.js';
import type { Generation } from './generations.js';
import type { ReadModelTables } from './read-model-tables.js';
import { READ_MODEL_TABLES } from './read-model-tables.js';
import { switchGeneration } from './switch-generation.js';

export interface PostgresRebuildDeps {
  pool: pg.Pool;
  logger: Logger;
  /** The catch-up batch size (the worker's PROJECTION_BATCH_SIZE). */
  batchSize: number;
  /** The bulk load's batch size: large, so each row is written as few times as possible. */
  bulkBatchSize?: number;
  /** The live projection reads Kafka (the full profile). */
  liveReadsKafka?: boolean;
  store?: Pick<EventStore, 'readAll'>;
  upcasters?: UpcasterRegistry;
  /** Rebuilds side by side: the bulk load reads the log through this share of one read; closed here. */
  sharedLog?: SharedReader;
}

export const DEFAULT_BULK_BATCH_SIZE = 20_000;

/**
 * Rebuilds a PostgreSQL projection blue/green. A new generation of its tables is made in a schema
 * of its own with only their keys indexed, and the projector is run over the whole log into it in
 * large batches (few writes per row, no secondary index to maintain). The remaining indexes are
 * built once, the generation catches up with ordinary batches, and one transaction switches
 * readers over (switch-generation.ts). The live tables answer throughout; nothing of the live
 * projection is written before the switch. One rebuild of a projection at a time (an advisory
 * lock); an interrupted one (killed, aborted) is continued from its own checkpoint by the next.
 */
export async function rebuildPostgresProjection(
  deps: PostgresRebuildDeps,
  projector: Projector<pg.ClientBase>,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  try {
    const tables = READ_MODEL_TABLES[projector.name];
    if (!tables) throw new RebuildRefused(`${projector.name} has no PostgreSQL tables to rebuild`);
    return await rebuildLocked(deps, projector, tables, options, started);
  } finally {
    deps.sharedLog?.close();
  }
}

async function rebuildLocked(
  deps: PostgresRebuildDeps,
  projector: Projector<pg.ClientBase>,
  tables: ReadModelTables,
  options: RebuildOptions,
  started: number,
): Promise<RebuildResult> {
  return withRebuildLock(deps.pool, projector.name, async () => {
    const existing = await buildingGeneration(deps.pool, projector.name);
    const g = existing ?? (await startGeneration(deps.pool, projector.name, tables));
    const rebuild = new GenerationBuild(deps, projector, g, options);
    if (g.phase === 'loading') {
      if (existing) await restartLoadIfLost(deps.pool, g, tables);
      await rebuild.runToHead('building', deps.bulkBatchSize ?? DEFAULT_BULK_BATCH_SIZE, deps.sharedLog);
      deps.sharedLog?.close();
      rebuild.progress.report('indexing');
      const client = await deps.pool.connect();
      try {
        await finishBulkLoad(client, g.schema, tables);
      } finally {
        client.release();
      }
      await markIndexed(deps.pool, g);
    }
    await rebuild.runToHead('catching-up', deps.batchSize);
    rebuild.progress.report('switching');
    const switchedAt = await switchGeneration(
      {
        pool: deps.pool,
        store: rebuild.store,
        upcasters: rebuild.upcasters,
        liveReadsKafka: deps.liveReadsKafka ?? false,
      },
      g,
      tables,
      projector,
    );
    rebuild.progress.report('switched', switchedAt);
    return {
      projection: projector.name,
      generation: g.generation,
      resumed: existing !== null,
      switchedAt,
      seconds: (Date.now() - started) / 1000,
    };
  });
}

/** Runs the projector into one generation, and reports where it stands. */
class GenerationBuild {
  readonly store: Pick<EventStore, 'readAll'>;
  readonly upcasters: UpcasterRegistry;
  readonly progress: PhaseReporter;
  private readonly runName: string;

  constructor(
    private readonly deps: PostgresRebuildDeps,
    private readonly projector: Projector<pg.ClientBase>,
    private readonly g: Generation,
    private readonly options: RebuildOptions,
  ) {
    this.store = deps.store ?? new PostgresEventStore(deps.pool);
    this.upcasters = deps.upcasters ?? createUpcasterRegistry();
    this.runName = generationRunName(g);
    this.progress = new PhaseReporter(projector.name, g.generation, options);
  }

  /** Runs the generation's projector until its checkpoint reaches the log's head as read now. */
  async runToHead(phase: RebuildPhase, batchSize: number, shared?: SharedReader): Promise<void> {
    const head = await logHead(this.deps.pool);
    this.progress.head = head.globalPosition;
    await runToHead({
      runner: new ProjectionRunner({
        projector: { ...this.projector, name: this.runName },
        source: new EventStoreSource(shared ?? this.store, 20),
        target: new GenerationTarget(this.deps.pool, this.g.schema, { bulkLoad: phase === 'building' }),
        deadLetters: new PostgresDeadLetterStore(this.deps.pool),
        upcasters: this.upcasters,
        logger: this.deps.logger,
        batchSize,
        ...(shared ? { decode: (recorded) => shared.decode(this.upcasters, recorded) } : {}),
      }),
      head,
      position: () => loadCheckpoint(this.deps.pool, this.runName),
      onPosition: (at) => {
        this.progress.at = at;
        this.progress.report(phase);
      },
      signal: this.options.signal,
    });
  }
}

/**
 * A server crash since the load began emptied the generation's unlogged tables but not its
 * checkpoint: the load starts over from the beginning of the log, in one transaction.
 */
async function restartLoadIfLost(pool: pg.Pool, g: Generation, tables: ReadModelTables): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (!(await bulkLoadSurvived(client, g.schema))) {
      await restartBulkLoad(client, g.schema, tables);
      await client.query('DELETE FROM projection_checkpoints WHERE projection = $1', [generationRunName(g)]);
      await client.query('DELETE FROM projection_dead_letters WHERE projection = $1', [generationRunName(g)]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
