import type { DecodedEvent, EventType } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';

export type EventOf<T extends EventType> = Extract<DecodedEvent, { type: T }>;

/** One handler per event type the projector reads; each applies one event. */
export type Handlers<T extends EventType> = {
  readonly [K in T]: (tx: ClientBase, event: EventOf<K>) => Promise<unknown>;
};

type AnyHandler = (tx: ClientBase, event: DecodedEvent) => Promise<unknown>;

/**
 * A PostgreSQL projector whose `eventTypes` are exactly the types it has a handler for, so the two
 * cannot disagree. Events are applied one by one, in batch order; an event of another type (the
 * runner never sends one) is skipped.
 */
export function defineProjector<T extends EventType>(
  name: string,
  handlers: Handlers<T>,
): Projector<ClientBase> {
  const byType = handlers as unknown as Partial<Record<EventType, AnyHandler>>;
  return {
    name,
    eventTypes: Object.keys(handlers) as T[],
    async apply(tx, events) {
      for (const event of events) await byType[event.type]?.(tx, event);
    },
  };
}
