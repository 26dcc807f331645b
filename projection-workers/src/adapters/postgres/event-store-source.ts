import type { Checkpoint, EventStore } from '@meetings/events';
import type { Logger } from 'pino';
import type { EventBatch, EventSource, EventSourceOptions } from '../../ports/event-source.js';
import { sleep } from '../../runner/sleep.js';

/**
 * The local profile's source: pages of the event store's global log, which never hands out a
 * position an earlier transaction could still fill. Polls when caught up; a failed read (a
 * restarting database) is retried with backoff instead of ending the projection.
 */
export class EventStoreSource implements EventSource {
  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly logger: Logger,
    private readonly pollIntervalMs = 20,
  ) {}

  async *batches(from: Checkpoint, options: EventSourceOptions): AsyncIterable<EventBatch> {
    let checkpoint = from;
    let failures = 0;
    while (!options.signal.aborted) {
      let page;
      try {
        page = await this.store.readAll({
          fromPosition: checkpoint,
          max: options.batchSize,
          ...(options.filter ? { filter: options.filter } : {}),
        });
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.warn({ err: error, failures }, 'reading the event log failed; retrying');
        await sleep(Math.min(100 * 2 ** failures, 5000), options.signal);
        continue;
      }
      const moved =
        page.checkpoint.transactionId !== checkpoint.transactionId ||
        page.checkpoint.globalPosition !== checkpoint.globalPosition;
      // An empty page that moved the checkpoint skipped filtered-out events: worth remembering too.
      if (page.events.length > 0 || moved) yield { events: page.events, checkpoint: page.checkpoint };
      checkpoint = page.checkpoint;
      if (page.events.length < options.batchSize) await sleep(this.pollIntervalMs, options.signal);
    }
  }
}
