import type { Checkpoint, EventEnvelope, EventFilter } from '@meetings/events';

/** A page of the log, in log order, and where reading continues after it. */
export interface EventBatch {
  events: EventEnvelope[];
  /**
   * Past every event of the batch, and past events the filter skipped; null when the source keeps
   * the position itself (Kafka commits consumer offsets once the batch is applied).
   */
  checkpoint: Checkpoint | null;
}

export interface EventSourceOptions {
  filter?: EventFilter;
  batchSize: number;
  signal: AbortSignal;
}

/**
 * Where projections read events from: the PostgreSQL log in the local profile, Kafka in the full
 * one. Delivers batches strictly after `from` (a source with positions of its own ignores it), each
 * stream in order; at least once across restarts. The next batch is asked for only after the
 * previous one was applied, which is when a source may commit its position.
 */
export interface EventSource {
  batches(from: Checkpoint, options: EventSourceOptions): AsyncIterable<EventBatch>;
}
