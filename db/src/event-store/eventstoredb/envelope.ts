import { jsonEvent } from '@eventstore/db-client';
import type { EventData, JSONType, Position, RecordedEvent } from '@eventstore/db-client';
import { EventMetadataSchema } from '@meetings/events';
import type { EventEnvelope, NewEvent } from '@meetings/events';
import { toCheckpoint, toSafeNumber } from './positions.js';

/**
 * What an EventStoreDB event's metadata holds. The record itself carries the event id, type,
 * stream, revision and $all position; the schema version and the writer's occurredAt have no slot
 * there (the record's `created` is the server's clock), so they travel here beside the port's
 * metadata. $correlationId/$causationId are EventStoreDB's own conventions, which its
 * $by_correlation_id projection reads.
 */
export interface StoredMetadata {
  schemaVersion: number;
  occurredAt: string;
  metadata: NewEvent['metadata'];
  $correlationId: string;
  $causationId?: string;
}

export function toEventData(event: NewEvent): EventData {
  const metadata: StoredMetadata = {
    schemaVersion: event.schemaVersion,
    occurredAt: event.occurredAt.toISOString(),
    metadata: event.metadata,
    $correlationId: event.metadata.correlationId,
    ...(event.metadata.causationId ? { $causationId: event.metadata.causationId } : {}),
  };
  return jsonEvent({
    id: event.eventId,
    type: event.type,
    // Every event of the registry carries an object; the store does not interpret it.
    data: event.data as JSONType,
    metadata: metadata as unknown as JSONType,
  });
}

export class ForeignEventError extends Error {
  override readonly name = 'ForeignEventError';
  constructor(streamId: string, revision: bigint, reason: string) {
    super(`event ${streamId}@${revision} was not written by this store: ${reason}`);
  }
}

/**
 * System streams and event types start with "$" ($settings, $stats-…, $metadata, link events "$>").
 * The PostgreSQL log holds only the application's events, so every reader here skips them.
 */
export function isSystemEvent(event: { streamId: string; type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

export function toEnvelope(recorded: RecordedEvent): EventEnvelope {
  const position: Position | undefined = recorded.position;
  // Servers before 20.6 do not return positions on stream reads; the envelope needs one.
  if (!position) throw new ForeignEventError(recorded.streamId, recorded.revision, 'no $all position');
  if (!recorded.isJson) throw new ForeignEventError(recorded.streamId, recorded.revision, 'not JSON');
  const stored = recorded.metadata as Partial<StoredMetadata> | undefined;
  const metadata = EventMetadataSchema.safeParse(stored?.metadata);
  if (!stored || typeof stored.schemaVersion !== 'number' || !metadata.success)
    throw new ForeignEventError(recorded.streamId, recorded.revision, 'no envelope metadata');
  const checkpoint = toCheckpoint(position);
  return {
    eventId: recorded.id,
    type: recorded.type,
    schemaVersion: stored.schemaVersion,
    streamId: recorded.streamId,
    streamVersion: toSafeNumber(recorded.revision) + 1,
    globalPosition: checkpoint.globalPosition,
    checkpoint,
    occurredAt: new Date(stored.occurredAt ?? recorded.created),
    metadata: metadata.data,
    data: recorded.data,
  };
}
