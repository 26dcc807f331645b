import type { EventEnvelope, EventMetadata } from '@meetings/events';

/** Columns every read of es_events selects, in the shape `toEnvelope` expects. */
export const EVENT_COLUMNS = `global_position, transaction_id::text AS transaction_id, event_id, stream_id,
  stream_version, type, schema_version, data, metadata, occurred_at`;

export interface EventRow {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_version: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date;
}

// bigint columns arrive as strings; positions, versions and xid8 values stay far below 2^53.
export function toEnvelope(row: EventRow): EventEnvelope {
  const globalPosition = Number(row.global_position);
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    globalPosition,
    checkpoint: { transactionId: Number(row.transaction_id), globalPosition },
    occurredAt: row.occurred_at,
    metadata: row.metadata,
    data: row.data,
  };
}
