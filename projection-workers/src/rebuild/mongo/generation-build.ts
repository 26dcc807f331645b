import { PostgresEventStore } from '@meetings/db';
import type { Db } from '@meetings/db';
import { createUpcasterRegistry, START } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import type { Logger } from 'pino';
import { MongoTarget } from '../../adapters/mongodb/mongo-target.js';
import { EventStoreSource } from '../../adapters/postgres/event-store-source.js';
import { PostgresDeadLetterStore } from '../../adapters/postgres/postgres-dead-letter-store.js';
import type { AnalyticsCollections } from '../../projectors/mongo/analytics-collections.js';
import { MongoAnalyticsProjector } from '../../projectors/mongo/mongo-analytics-projector.js';
import { ProjectionRunner } from '../../runner/projection-runner.js';
import { PhaseReporter } from '../phase-reporter.js';
import { logHead, runToHead } from '../run-to-head.js';
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
  readonly progress: PhaseReporter;

  constructor(
    private readonly deps: GenerationBuildDeps,
    private readonly generation: string,
    names: AnalyticsCollections,
    options: RebuildOptions,
  ) {
    this.projector = new MongoAnalyticsProjector(names);
    const runName = generationRunName(this.projector.name, generation);
    // Its indexes are made once, after the bulk load (rebuild-mongo-projection.ts).
    this.target = new MongoTarget(deps.mongo, { checkpointName: () => runName, ensureIndexes: false });
    this.store = new PostgresEventStore(deps.pool);
    this.progress = new PhaseReporter(this.projector.name, generation, options);
  }

  /** Where the generation stands (its committed checkpoint). */
  checkpoint(): Promise<Checkpoint | null> {
    return this.target.loadCheckpoint(this.projector.name);
  }

  /**
   * Runs the generation until its checkpoint reaches the log's head as read when this started.
   * `signal` aborting stops it after the batch in hand (RebuildInterrupted); the switch's own
   * catch-up passes none, so that a pause it holds is not left to lapse.
   */
  async runToHead(phase: RebuildPhase, batchSize: number, signal?: AbortSignal): Promise<Checkpoint> {
    const head = await logHead(this.deps.pool);
    this.progress.head = head.globalPosition;
    this.progress.at = await this.checkpoint(); // a resumed rebuild reports where it continues from
    await runToHead({
      runner: new ProjectionRunner({
        projector: this.projector,
        source: new EventStoreSource(this.store, 20),
        target: this.target,
        deadLetters: new PostgresDeadLetterStore(this.deps.pool),
        upcasters: this.upcasters,
        logger: this.deps.logger.child({ rebuild: this.generation }),
        batchSize,
      }),
      head,
      position: () => this.checkpoint(),
      onPosition: (at) => {
        this.progress.at = at;
        this.progress.report(phase);
      },
      signal,
    });
    return (await this.checkpoint()) ?? START;
  }
}
