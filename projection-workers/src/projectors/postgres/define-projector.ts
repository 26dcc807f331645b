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

/** The rows one batch may change, loaded before its events are folded and written back after. */
export interface BatchState {
  write(tx: ClientBase): Promise<void>;
}

/** One handler per event type: applies one event to the batch's rows in memory. */
export type FoldHandlers<T extends EventType, S> = {
  readonly [K in T]: (state: S, event: EventOf<K>) => void;
};

/**
 * A PostgreSQL projector that applies a whole batch with a few statements, however many events it
 * holds: `load` reads every row the batch may change, the handlers fold the events over them in
 * batch order, and `write` stores each changed row once. Like `defineProjector`, its `eventTypes`
 * are exactly its handlers' types.
 */
export function defineBatchProjector<T extends EventType, S extends BatchState>(
  name: string,
  load: (tx: ClientBase, events: readonly EventOf<T>[]) => Promise<S>,
  handlers: FoldHandlers<T, S>,
): Projector<ClientBase> {
  const byType = handlers as unknown as Partial<Record<EventType, (state: S, event: DecodedEvent) => void>>;
  const handles = (event: DecodedEvent): event is EventOf<T> => Object.hasOwn(handlers, event.type);
  return {
    name,
    eventTypes: Object.keys(handlers) as T[],
    async apply(tx, events) {
      const handled = events.filter(handles);
      if (handled.length === 0) return;
      const state = await load(tx, handled);
      for (const event of handled) byType[event.type]?.(state, event);
      await state.write(tx);
    },
  };
}
