import type { DecodedEvent, EventType } from '@meetings/events';
import type { RedisUnit } from '../../adapters/redis/redis-target.js';
import type { Projector } from '../../projectors/projector.js';

/**
 * A projector that notes the meetings of the events it is given before applying them: the keys
 * an event can create are its meeting's, so the switch knows which keys may have appeared on
 * either side since it listed them.
 */
export class NotingProjector implements Projector<RedisUnit> {
  readonly name: string;
  readonly eventTypes: readonly EventType[];
  /** Cleared by whoever lists the keys anew. */
  readonly touched = new Set<string>();

  constructor(private readonly inner: Projector<RedisUnit>) {
    this.name = inner.name;
    this.eventTypes = inner.eventTypes;
  }

  apply(tx: RedisUnit, events: readonly DecodedEvent[]): Promise<void> {
    for (const event of events) {
      const data = event.data as { meetingId?: unknown };
      if (typeof data.meetingId === 'string') this.touched.add(data.meetingId);
    }
    return this.inner.apply(tx, events);
  }
}
