import { eventSchemas, privateCategories, streamCategory } from '@meetings/events';
import type { EventType } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';
import { rowSource } from './row-source.js';

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
    const source = await rowSource(
      tx,
      'e',
      [
        ['id', 'uuid'],
        ['actor', 'uuid'],
        ['action', 'text'],
        ['category', 'text'],
        ['resource', 'text'],
        ['details', 'jsonb'],
        ['correlation', 'text'],
        ['at', 'timestamptz'],
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
    await tx.query(
      `INSERT INTO operation_logs (event_id, user_id, action, resource_type, resource_id, details,
         correlation_id, created_at)
       SELECT e.id, e.actor, e.action, e.category, e.resource, e.details, e.correlation, e.at
       FROM ${source.from}
       ORDER BY e.n
       ON CONFLICT (event_id) DO NOTHING`,
      source.params,
    );
  },
};
