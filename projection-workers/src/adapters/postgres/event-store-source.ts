import type { Checkpoint, EventStore, ReadAllResult } from '@meetings/events';
import type { EventBatch, EventSource, EventSourceOptions } from '../../ports/event-source.js';
import { sleep } from '../../runner/sleep.js';

/**
 * The local profile's source: pages of the event store's global log, which never hands out a
 * position an earlier transaction could still fill. Polls when caught up. A failed read ends the
 * iteration: the database may have crashed and lost what the projection committed last, so the
 * runner must start over from its committed checkpoint, not from a position kept here. While a full page
 * is being applied the next one is already read, so a catching-up projection does not wait for the
 * log between batches.
 */
export class EventStoreSource implements EventSource {
  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly pollIntervalMs = 20,
  ) {}

  async *batches(from: Checkpoint, options: EventSourceOptions): AsyncIterable<EventBatch> {
    let checkpoint = from;
    let ahead: Promise<ReadAllResult> | null = null;
    try {
      while (!options.signal.aborted) {
        const reading = ahead ?? this.read(checkpoint, options);
        ahead = null;
        const page = await reading;
        const moved =
          page.checkpoint.transactionId !== checkpoint.transactionId ||
          page.checkpoint.globalPosition !== checkpoint.globalPosition;
        checkpoint = page.checkpoint;
        const full = page.events.length >= options.batchSize;
        if (full) ahead = this.read(checkpoint, options);
        // An empty page that moved the checkpoint skipped filtered-out events: worth remembering too.
        if (page.events.length > 0 || moved) yield { events: page.events, checkpoint };
        if (!full) await sleep(this.pollIntervalMs, options.signal);
      }
    } finally {
      // Abandoned (stopped, or the projection failed): a read still under way is of no use.
      ahead?.catch(() => undefined);
    }
  }

  private read(from: Checkpoint, options: EventSourceOptions): Promise<ReadAllResult> {
    return this.store.readAll({
      fromPosition: from,
      max: options.batchSize,
      ...(options.filter ? { filter: options.filter } : {}),
    });
  }
}
