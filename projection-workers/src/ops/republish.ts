import { privateCategories, START } from '@meetings/events';
import type { EventStore } from '@meetings/events';
import type { EventPublisher } from '../relay/ports.js';
import { checkRange, inRange } from './position-range.js';
import type { PositionRange } from './position-range.js';

export interface RepublishDeps {
  store: Pick<EventStore, 'readAll'>;
  /** The relay's publisher: same topics, keys and headers. */
  publisher: EventPublisher;
  head(): Promise<number>;
  batchSize: number;
  onProgress?: (published: number) => void;
}

/**
 * Sends a range of the global log to Kafka again, as the relay sent it: public categories only
 * (private streams never leave the write side), in log order, each batch acknowledged before the
 * next. Consumers are idempotent by stream version, so events they already applied are no-ops;
 * the relay's checkpoint is not touched (events past it, it will send once more too).
 */
export async function republishRange(range: PositionRange, deps: RepublishDeps): Promise<number> {
  checkRange(range, await deps.head());
  let published = 0;
  const filter = { excludeCategories: privateCategories };
  for (let from = START; ;) {
    const page = await deps.store.readAll({ fromPosition: from, max: deps.batchSize, filter });
    if (page.events.length === 0) return published;
    const events = page.events.filter((e) => inRange(range, e.globalPosition));
    if (events.length > 0) {
      await deps.publisher.publish(events);
      published += events.length;
      deps.onProgress?.(published);
    }
    from = page.checkpoint;
  }
}
