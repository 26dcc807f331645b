import type { Checkpoint, EventFilter } from '@meetings/events';
import { EVENT_COLUMNS } from './rows.js';

/**
 * The global log in commit-safe order. Only events of transactions below the snapshot's xmin are
 * read: every such transaction has finished, so no event can later appear before the returned
 * ones. With a filter, the statement also returns the newest (transaction, position) below that
 * same xmin, so a reader can move its checkpoint past events the filter skipped.
 *
 * ORDER BY names the table's columns: a bare `transaction_id` would be the selected
 * `transaction_id::text`, which sorts 10 before 9 (skipping events where the digits grow) and
 * cannot use the log-order index.
 */
export function readAllQuery(from: Checkpoint, max: number, filter: EventFilter | undefined) {
  const params: unknown[] = [String(from.transactionId), from.globalPosition, max];
  const conditions: string[] = [];
  if (filter?.categories?.length) {
    params.push(filter.categories);
    conditions.push(`split_part(stream_id, '-', 1) = ANY($${params.length}::text[])`);
  }
  if (filter?.excludeCategories?.length) {
    params.push(filter.excludeCategories);
    conditions.push(`split_part(stream_id, '-', 1) <> ALL($${params.length}::text[])`);
  }
  if (filter?.eventTypes?.length) {
    params.push(filter.eventTypes);
    conditions.push(`type = ANY($${params.length}::text[])`);
  }
  const after = `(transaction_id, global_position) > ($1::xid8, $2) AND transaction_id < snap.xmin`;
  const page = `SELECT false AS is_head, ${EVENT_COLUMNS} FROM es_events, snap
    WHERE ${[after, ...conditions].join(' AND ')}
    ORDER BY es_events.transaction_id, es_events.global_position LIMIT $3`;
  const head = `SELECT true AS is_head, global_position, transaction_id::text AS transaction_id, NULL::uuid, NULL,
      NULL::bigint, NULL, NULL::int, NULL::jsonb, NULL::jsonb, NULL::timestamptz
    FROM es_events, snap WHERE ${after}
    ORDER BY es_events.transaction_id DESC, es_events.global_position DESC LIMIT 1`;
  const text = `WITH snap AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
    (${page})${conditions.length ? ` UNION ALL (${head})` : ''}`;
  return { text, values: params };
}
