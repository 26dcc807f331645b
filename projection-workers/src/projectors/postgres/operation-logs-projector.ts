import { eventSchemas, privateCategories, streamCategory } from '@meetings/events';
import type { EventType } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';

/** Secrets and uniqueness reservations: they never leave the write side, not even into the audit trail. */
export const privateEventTypes: ReadonlySet<EventType> = new Set<EventType>([
  'PasswordSet',
  'UsernameReserved',
  'EmailReserved',
]);

/**
 * The audit trail: one operation_logs row per event of every public type. The row is keyed by the
 * event id (ON CONFLICT DO NOTHING), as the log mixes every stream and so has no single stream
 * version. resource_type is the stream's category (`meeting`, `user`, `media`) and resource_id the
 * rest of the stream id.
 */
export const operationLogsProjector: Projector<ClientBase> = {
  name: 'operation-logs',
  eventTypes: (Object.keys(eventSchemas) as EventType[]).filter((type) => !privateEventTypes.has(type)),
  async apply(tx, events) {
    for (const event of events) {
      const category = streamCategory(event.streamId);
      // Never sent by the runner; refused here too, since a password hash must not land in a log.
      if (privateEventTypes.has(event.type) || privateCategories.includes(category)) continue;
      await tx.query(
        `INSERT INTO operation_logs (event_id, actor_user_id, action, resource_type, resource_id, details,
           correlation_id, occurred_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $8)
         ON CONFLICT (event_id) DO NOTHING`,
        [
          event.eventId,
          event.metadata.actorUserId,
          event.type,
          category,
          event.streamId.slice(category.length + 1),
          JSON.stringify(event.data),
          event.metadata.correlationId,
          event.occurredAt,
        ],
      );
    }
  },
};
