import { decodeEvent, START } from '@meetings/events';
import type { Checkpoint, DecodedEvent, EventEnvelope, UpcasterRegistry } from '@meetings/events';
import type { Logger } from 'pino';
import { isOutage } from '@meetings/db';
import { CheckpointConflict } from '../ports/checkpoint-store.js';
import type { ProjectionTarget, TargetRun } from '../ports/checkpoint-store.js';
import type { DeadLetterStore } from '../ports/dead-letter-store.js';
import type { EventSource } from '../ports/event-source.js';
import type { Projector } from '../projectors/projector.js';
import type { RunnerMetrics } from '../ports/runner-metrics.js';
import { sleep } from './sleep.js';

export interface ProjectionRunnerOptions<Tx> {
  projector: Projector<Tx>;
  source: EventSource;
  target: ProjectionTarget<Tx>;
  deadLetters: DeadLetterStore;
  upcasters: UpcasterRegistry;
  logger: Logger;
  batchSize?: number;
  /** Tries of one event before it is dead-lettered. */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Given: batch sizes and dead letters are reported (metrics/projection-metrics.ts). */
  metrics?: RunnerMetrics;
  /** How a read event is decoded (default: decodeEvent with `upcasters`); may share the work with other runners. */
  decode?: (recorded: EventEnvelope) => DecodedEvent;
}

interface Decoded {
  recorded: EventEnvelope;
  event: DecodedEvent | null;
  error: string | null;
}

/**
 * Runs one projector: reads batches of its event types after its checkpoint and applies each batch
 * and the new checkpoint as one unit of work (a commit of the target run). A batch that fails is replayed event by event, so the
 * event at fault is found, tried `maxAttempts` times, then dead-lettered while the rest applies.
 */
export class ProjectionRunner<Tx> {
  private checkpoint: Checkpoint = START;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly log: Logger;

  constructor(private readonly options: ProjectionRunnerOptions<Tx>) {
    this.batchSize = options.batchSize ?? 500;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 50;
    this.log = options.logger.child({ projection: options.projector.name });
  }

  get name(): string {
    return this.options.projector.name;
  }

  /** The event types the projection reads (for its lag). */
  get eventTypes(): readonly string[] {
    return this.options.projector.eventTypes;
  }

  /** The checkpoint of everything applied so far (for lag and read-your-writes). */
  get position(): Checkpoint {
    return this.checkpoint;
  }

  /**
   * Runs until the signal aborts; the batch in hand is finished and checkpointed first. Any
   * failure of the source or the target ends the run: the supervisor opens a new one from the
   * committed checkpoint, so nothing the target lost (a crash erasing asynchronous commits, a
   * Redis restarting empty) is ever stepped over.
   */
  async run(signal: AbortSignal): Promise<void> {
    const { projector, source, target } = this.options;
    const run = await target.open(projector.name);
    this.checkpoint = run.checkpoint ?? START;
    this.log.info({ checkpoint: this.checkpoint }, 'projection started');
    const batches = source.batches(this.checkpoint, {
      filter: { eventTypes: projector.eventTypes },
      batchSize: this.batchSize,
      signal,
    });
    for await (const batch of batches) {
      await this.applyBatch(run, batch.events, batch.checkpoint);
      this.options.metrics?.batchApplied(projector.name, batch.events.length);
      if (batch.checkpoint) this.checkpoint = batch.checkpoint;
    }
    this.log.info({ checkpoint: this.checkpoint }, 'projection stopped');
  }

  private async applyBatch(
    run: TargetRun<Tx>,
    recorded: readonly EventEnvelope[],
    checkpoint: Checkpoint | null,
  ): Promise<void> {
    const { projector } = this.options;
    const decoded = recorded.map((r) => this.decode(r));
    // An event that cannot even be decoded (unknown type, bad data) will never apply: no retries.
    for (const d of decoded.filter((d) => d.error !== null)) await this.deadLetter(d.recorded, d.error!, 1);
    const events = decoded.flatMap((d) => (d.event ? [d.event] : []));
    if (events.length === 0) {
      await run.commit(null, checkpoint);
      return;
    }
    try {
      await run.commit((tx) => projector.apply(tx, events), checkpoint);
    } catch (error) {
      if (!isEventsFault(error)) throw error;
      this.log.warn({ err: error, events: events.length }, 'batch failed; applying its events one by one');
      for (const event of events) await this.applyAlone(run, event, checkpoint !== null);
      await run.commit(null, checkpoint);
    }
  }

  private async applyAlone(run: TargetRun<Tx>, event: DecodedEvent, checkpointed: boolean): Promise<void> {
    const { projector } = this.options;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        await run.commit((tx) => projector.apply(tx, [event]), checkpointed ? event.checkpoint : null);
        return;
      } catch (error) {
        if (!isEventsFault(error)) throw error;
        lastError = error;
        if (attempt < this.maxAttempts) await sleep(this.retryDelayMs * attempt);
      }
    }
    await this.deadLetter(event, describe(lastError), this.maxAttempts);
  }

  private async deadLetter(event: EventEnvelope, error: string, attempts: number): Promise<void> {
    this.log.error(
      { eventId: event.eventId, type: event.type, streamId: event.streamId, error },
      'event dead-lettered',
    );
    await this.options.deadLetters.record(this.options.projector.name, event, error, attempts);
    this.options.metrics?.deadLettered(this.options.projector.name);
  }

  private decode(recorded: EventEnvelope): Decoded {
    try {
      const event = this.options.decode
        ? this.options.decode(recorded)
        : decodeEvent(this.options.upcasters, recorded);
      return { recorded, event, error: null };
    } catch (error) {
      return { recorded, event: null, error: describe(error) };
    }
  }
}

/**
 * Whether an event may be to blame: not when the target is unreachable (no fault of the event:
 * stop, and restart from the checkpoint) nor when the run's checkpoint no longer holds.
 */
function isEventsFault(error: unknown): boolean {
  return !isOutage(error) && !(error instanceof CheckpointConflict);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
