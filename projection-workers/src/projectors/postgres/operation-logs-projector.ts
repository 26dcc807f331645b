import { eventSchemas, privateCategories, streamCategory } from '@meetings/events';
import type { EventType } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';

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
    const column = <T>(pick: (e: (typeof logged)[number]) => T) => logged.map(pick);
    // One statement per batch: this projection reads every event of the log.
    await tx.query(
      `INSERT INTO operation_logs (event_id, user_id, action, resource_type, resource_id, details,
         correlation_id, created_at)
       SELECT e.id, e.actor, e.action, e.category, e.resource, e.details, e.correlation, e.at
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::timestamptz[])
         WITH ORDINALITY AS e(id, actor, action, category, resource, details, correlation, at, n)
       ORDER BY e.n
       ON CONFLICT (event_id) DO NOTHING`,
      [
        column((e) => e.eventId),
        column((e) => e.metadata.actorUserId),
        column((e) => e.type),
        column((e) => streamCategory(e.streamId)),
        column((e) => e.streamId.slice(streamCategory(e.streamId).length + 1)),
        column((e) => JSON.stringify(e.data)),
        column((e) => e.metadata.correlationId),
        column((e) => e.occurredAt.toISOString()),
      ],
    );
  },
};
