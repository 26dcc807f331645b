import type { Checkpoint, EventFilter } from '@meetings/events';
import { EVENT_COLUMNS } from './rows.js';

/** The oldest transaction still running: every one below it has committed or aborted. */
export const SNAPSHOT_XMIN_SQL = 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin';

/**
 * The global log in commit-safe order. Only events of transactions below `xmin` (SNAPSHOT_XMIN_SQL,
 * read before) are read: every such transaction has finished, so no event can later appear before
 * the returned ones; an xmin read a moment ago is only more cautious than one read now. With a
 * filter, the statement also returns the newest (transaction, position) below that same xmin, so a
 * reader can move its checkpoint past events the filter skipped.
 *
 * The xmin travels as a parameter, not as a CTE of the statement: the planner cannot see a value
 * computed in the same statement, guessed a third of the log below it, and chose to fetch every
 * matching event after the checkpoint and sort them (on disk, past work_mem) for each page: pages
 * of 20,000 over 100,000 events took 300 ms each instead of 40-70 ms by the log-order index.
 *
 * ORDER BY names the table's columns: a bare `transaction_id` would be the selected
 * `transaction_id::text`, which sorts 10 before 9 (skipping events where the digits grow) and
 * cannot use the log-order index.
 */
export function readAllQuery(from: Checkpoint, max: number, filter: EventFilter | undefined, xmin: string) {
  const params: unknown[] = [String(from.transactionId), from.globalPosition, max, xmin];
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
  const after = `(transaction_id, global_position) > ($1::xid8, $2) AND transaction_id < $4::xid8`;
  const page = `SELECT false AS is_head, ${EVENT_COLUMNS} FROM es_events
    WHERE ${[after, ...conditions].join(' AND ')}
    ORDER BY es_events.transaction_id, es_events.global_position LIMIT $3`;
  const head = `SELECT true AS is_head, global_position, transaction_id::text AS transaction_id, NULL::uuid, NULL,
      NULL::bigint, NULL, NULL::int, NULL::jsonb, NULL::jsonb, NULL::timestamptz
    FROM es_events WHERE ${after}
    ORDER BY es_events.transaction_id DESC, es_events.global_position DESC LIMIT 1`;
  const text = `(${page})${conditions.length ? ` UNION ALL (${head})` : ''}`;
  return { text, values: params };
}
