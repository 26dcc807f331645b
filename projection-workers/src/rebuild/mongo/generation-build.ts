import { PostgresEventStore } from '@meetings/db';
import type { Db } from '@meetings/db';
import { compareCheckpoints, createUpcasterRegistry, START } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import type { Logger } from 'pino';
import { MongoTarget } from '../../adapters/mongodb/mongo-target.js';
import { EventStoreSource } from '../../adapters/postgres/event-store-source.js';
import { PostgresDeadLetterStore } from '../../adapters/postgres/postgres-dead-letter-store.js';
import type { AnalyticsCollections } from '../../projectors/mongo/analytics-collections.js';
import { MongoAnalyticsProjector } from '../../projectors/mongo/mongo-analytics-projector.js';
import { ProjectionRunner } from '../../runner/projection-runner.js';
import { sleep } from '../../runner/sleep.js';
import { RebuildInterrupted } from '../rebuild-progress.js';
import type { RebuildOptions, RebuildPhase } from '../rebuild-progress.js';
import { generationRunName } from './rebuild-marker.js';

export interface GenerationBuildDeps {
  pool: pg.Pool;
  mongo: Db;
  logger: Logger;
}

/**
 * Runs the mongo-analytics projector into one generation's collections, with the workers' own
 * runner (same decoding, retries and dead letters, kept under the projection's name) and its own
 * checkpoint document (`<projection>@<generation>`), and reports where it stands.
 */
export class GenerationBuild {
  private readonly projector: MongoAnalyticsProjector;
  private readonly target: MongoTarget;
  private readonly store: PostgresEventStore;
  private readonly upcasters = createUpcasterRegistry();
  private at: Checkpoint | null = null;
  private head = 0;
  private phase: RebuildPhase = 'building';
  private reportedAt = 0;

  constructor(
    private readonly deps: GenerationBuildDeps,
    private readonly generation: string,
    names: AnalyticsCollections,
    private readonly options: RebuildOptions,
  ) {
    this.projector = new MongoAnalyticsProjector(names);
    const runName = generationRunName(this.projector.name, generation);
    // Its indexes are made once, after the bulk load (rebuild-mongo-projection.ts).
    this.target = new MongoTarget(deps.mongo, { checkpointName: () => runName, ensureIndexes: false });
    this.store = new PostgresEventStore(deps.pool);
  }

  /** Where the generation stands (its committed checkpoint). */
  checkpoint(): Promise<Checkpoint | null> {
    return this.target.loadCheckpoint(this.projector.name);
  }

  report(phase: RebuildPhase, force: boolean, at: Checkpoint | null = this.at): void {
    const every = this.options.progressEveryMs ?? 1_000;
    if (!force && phase === this.phase && Date.now() - this.reportedAt < every) return;
    this.phase = phase;
    this.reportedAt = Date.now();
    this.options.onProgress?.({
      projection: this.projector.name,
      generation: this.generation,
      phase,
      position: at?.globalPosition ?? 0,
      head: this.head,
    });
  }

  /**
   * Runs the generation until its checkpoint reaches the log's head as read when this started.
   * `signal` aborting stops it after the batch in hand (RebuildInterrupted); the switch's own
   * catch-up passes none, so that a pause it holds is not left to lapse.
   */
  async runToHead(phase: RebuildPhase, batchSize: number, signal?: AbortSignal): Promise<Checkpoint> {
    const head = await logHead(this.deps.pool);
    this.head = head.globalPosition;
    this.at = await this.checkpoint(); // a resumed rebuild reports where it continues from
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) stop.abort();
    const runner = new ProjectionRunner({
      projector: this.projector,
      source: new EventStoreSource(this.store, 20),
      target: this.target,
      deadLetters: new PostgresDeadLetterStore(this.deps.pool),
      upcasters: this.upcasters,
      logger: this.deps.logger.child({ rebuild: this.generation }),
      batchSize,
    });
    const run: { failed: Error | null } = { failed: null };
    const running = runner.run(stop.signal).catch((error: unknown) => {
      run.failed = error instanceof Error ? error : new Error(`the rebuild run failed: ${String(error)}`);
      stop.abort();
    });
    try {
      this.report(phase, true);
      while (!stop.signal.aborted) {
        this.at = await this.checkpoint();
        if (compareCheckpoints(this.at ?? START, head) >= 0) break;
        this.report(phase, false);
        await sleep(50, stop.signal);
      }
    } finally {
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
      await running;
    }
    if (run.failed) throw run.failed;
    if (signal?.aborted)
      throw new RebuildInterrupted(`the rebuild of ${this.projector.name} was interrupted`);
    return (await this.checkpoint()) ?? START;
  }
}

async function logHead(pool: pg.Pool): Promise<Checkpoint> {
  const { rows } = await pool.query<{ t: string; p: string }>(
    `SELECT transaction_id::text AS t, global_position::text AS p FROM es_events
     ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  return rows[0] ? { transactionId: Number(rows[0].t), globalPosition: Number(rows[0].p) } : START;
}
