import { compareCheckpoints } from '@meetings/events';
import type { Checkpoint, EventStore } from '@meetings/events';
import type { EventBatch, EventSource, EventSourceOptions } from '../../ports/event-source.js';
import { sleep } from '../../runner/sleep.js';
import { RebuildRefused } from '../rebuild-progress.js';

/** How long the log may fail to show a position the live run already read before we give up. */
const STALL_MS = 10_000;
const POLL_MS = 20;

/**
 * The PostgreSQL log read up to a position and never beyond it: a new generation must stand
 * exactly where the live run stands. The last batch's checkpoint is `until` itself, even when the
 * page read went further (the events past it are left for the next round). Without `until`, reads
 * to the head (a page coming back short) and ends there.
 */
export class BoundedLogSource implements EventSource {
  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly until: Checkpoint | null,
  ) {}

  async *batches(from: Checkpoint, options: EventSourceOptions): AsyncIterable<EventBatch> {
    const until = this.until;
    let checkpoint = from;
    let stalledSince = Date.now();
    while (!options.signal.aborted) {
      if (until && compareCheckpoints(checkpoint, until) >= 0) return;
      const page = await this.store.readAll({
        fromPosition: checkpoint,
        max: options.batchSize,
        ...(options.filter ? { filter: options.filter } : {}),
      });
      const past = until !== null && compareCheckpoints(page.checkpoint, until) >= 0;
      const events = past
        ? page.events.filter((e) => compareCheckpoints(e.checkpoint, until) <= 0)
        : page.events;
      const next = past ? until : page.checkpoint;
      const moved = compareCheckpoints(next, checkpoint) !== 0;
      if (events.length > 0 || moved) yield { events, checkpoint: next };
      checkpoint = next;
      if (until === null && page.events.length < options.batchSize) return;
      if (moved) stalledSince = Date.now();
      else if (Date.now() - stalledSince > STALL_MS) {
        // A checkpoint the live run holds but this log never reaches: a Redis of another database.
        throw new RebuildRefused(
          `the live checkpoint ${until!.transactionId}:${until!.globalPosition} is not in this log`,
        );
      } else await sleep(POLL_MS, options.signal);
    }
  }
}
