import type { DecodedEvent, EventType } from '@meetings/events';

/**
 * Materializes events into one read model. `apply` must be idempotent by itself: every row or
 * key remembers the version of its source stream last applied, and an event at or below it is a
 * no-op, so at-least-once delivery (restarts, Kafka redelivery) never applies an event twice.
 * `Tx` is what the projector writes through (a PostgreSQL client inside a transaction, Redis).
 */
export interface Projector<Tx> {
  /** Names the projection: its checkpoint and dead letters are kept under it. */
  readonly name: string;
  readonly eventTypes: readonly EventType[];
  /** Applies events in log order; the batch holds only events of `eventTypes`. */
  apply(tx: Tx, events: readonly DecodedEvent[]): Promise<void>;
}
