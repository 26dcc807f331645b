import type { AllStreamSubscription, EventStoreDBClient } from '@eventstore/db-client';
import { matchesFilter, START } from '@meetings/events';
import type { EventEnvelope, EventFilter, Subscription } from '@meetings/events';
import { isSystemEvent, toEnvelope } from './envelope.js';
import { serverFilter } from './filters.js';
import { isAfter, toReadPosition } from './positions.js';

/**
 * The server's own catch-up subscription to $all: it reads history from the checkpoint, then
 * switches to live events by itself (no polling, unlike the PostgreSQL store). A subscription from
 * a position delivers the events after it; the check against the checkpoint below keeps that
 * guarantee should a server deliver the event at the position itself.
 */
export class EsdbSubscription implements Subscription {
  private readonly subscription: AllStreamSubscription;
  private closed = false;

  constructor(
    client: EventStoreDBClient,
    private readonly options: { fromCheckpoint?: EventEnvelope['checkpoint']; filter?: EventFilter },
  ) {
    this.subscription = client.subscribeToAll({
      fromPosition: toReadPosition(options.fromCheckpoint ?? START),
      // Server-side checkpoints only matter to callers of checkpointReached, which the port has not.
      filter: serverFilter(options.filter, 32),
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscription.unsubscribe();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventEnvelope> {
    const from = this.options.fromCheckpoint ?? START;
    for await (const resolved of this.subscription) {
      if (this.closed) return;
      const recorded = resolved.event;
      if (!recorded || isSystemEvent(recorded) || !isAfter(recorded.position, from)) continue;
      if (!matchesFilter(this.options.filter, recorded)) continue;
      yield toEnvelope(recorded);
    }
  }
}
