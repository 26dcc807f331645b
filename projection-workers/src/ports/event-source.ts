import type { Checkpoint, EventEnvelope, EventFilter } from '@meetings/events';

/** A page of the log, in log order, and where reading continues after it. */
export interface EventBatch {
  events: EventEnvelope[];
  /** Past every event of the batch, and past events the filter skipped. */
  checkpoint: Checkpoint;
}

export interface EventSourceOptions {
  filter?: EventFilter;
  batchSize: number;
  signal: AbortSignal;
}

/**
 * Where projections read events from: the PostgreSQL log in the local profile (Kafka later).
 * Delivers batches strictly after `from`, in order; at least once across restarts.
 */
export interface EventSource {
  batches(from: Checkpoint, options: EventSourceOptions): AsyncIterable<EventBatch>;
}
