import { eventSchemas, privateCategories, streamCategory } from '@meetings/events';
import type { EventType } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';
import { insertNewRows } from './row-source.js';

/** Secrets and uniqueness reservations: they never leave the write side, not even into the audit trail. */
export const privateEventTypes: ReadonlySet<EventType> = new Set<EventType>([
  'PasswordSet',
  'UsernameReserved',
  'EmailReserved',
  'PasscodeSet',
]);

/**
 * The audit trail: one operation_logs row per event of every public type. The row is keyed by the
 * event id (ON CONFLICT DO NOTHING), as the log mixes every stream and so has no single stream
 * version. resource_type is the stream's category (`meeting`, `user`, `media`) and resource_id the
 * rest of the stream id; created_at (the seed's audit time) is when the event occurred.
 */
export const operationLogsProjector: Projector<ClientBase> = {
  name: 'operation-logs',
  eventTypes: (Object.keys(eventSchemas) as EventType[]).filter((type) => !privateEventTypes.has(type)),
  async apply(tx, events) {
    // Never sent by the runner; refused here too, since a password hash must not land in a log.
    const logged = events.filter(
      (e) => !privateEventTypes.has(e.type) && !privateCategories.includes(streamCategory(e.streamId)),
    );
    if (logged.length === 0) return;
    // One statement per batch: this projection reads every event of the log.
    await insertNewRows(
      tx,
      'operation_logs',
      'event_id',
      [
        ['event_id', 'uuid'],
        ['user_id', 'uuid'],
        ['action', 'text'],
        ['resource_type', 'text'],
        ['resource_id', 'text'],
        ['details', 'jsonb'],
        ['correlation_id', 'text'],
        ['created_at', 'timestamptz'],
      ],
      logged.map((e) => {
        const category = streamCategory(e.streamId);
        return [
          e.eventId,
          e.metadata.actorUserId,
          e.type,
          category,
          e.streamId.slice(category.length + 1),
          JSON.stringify(e.data),
          e.metadata.correlationId,
          e.occurredAt.toISOString(),
        ];
      }),
    );
  },
};
