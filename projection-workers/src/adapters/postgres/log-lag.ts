import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';

export interface LogHead {
  events: number;
  /** The last global position (0 for an empty log). */
  position: number;
}

export interface Lag {
  /** Events of the reader's selection after its checkpoint. */
  events: number;
  /** Age of the oldest of them (0 when none): how long the reader has left it unapplied. */
  seconds: number;
}

export async function logHead(db: pg.Pool): Promise<LogHead> {
  const { rows } = await db.query<{ head: string | null; n: string }>(
    `SELECT max(global_position)::text AS head, count(*)::text AS n FROM es_events`,
  );
  return { events: Number(rows[0]!.n), position: Number(rows[0]!.head ?? 0) };
}

/**
 * How far a reader of the log is behind: its events after `checkpoint` (of `eventTypes`, outside
 * `excludeCategories`). Counted in the log's commit order, as readers read it.
 */
export async function logLag(
  db: pg.Pool,
  checkpoint: Checkpoint | null,
  selection: { eventTypes?: readonly string[]; excludeCategories?: readonly string[] },
): Promise<Lag> {
  const { rows } = await db.query<{ n: string; seconds: number | null }>(
    `SELECT count(*)::text AS n,
        extract(epoch FROM now() - min(recorded_at))::float8 AS seconds
      FROM es_events
      WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
        AND ($3::text[] IS NULL OR type = ANY($3))
        AND ($4::text[] IS NULL OR split_part(stream_id, '-', 1) <> ALL($4))`,
    [
      String(checkpoint?.transactionId ?? 0),
      checkpoint?.globalPosition ?? 0,
      selection.eventTypes ?? null,
      selection.excludeCategories ?? null,
    ],
  );
  return { events: Number(rows[0]!.n), seconds: Math.max(0, rows[0]!.seconds ?? 0) };
}
