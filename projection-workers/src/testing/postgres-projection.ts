import type { DecodedEvent } from '@meetings/events';
import type pg from 'pg';
import type { Projector } from '../projectors/projector.js';

/** Applies a batch as the runner does: in one transaction on one client. */
export async function applyInTransaction(
  pool: pg.Pool,
  projector: Projector<pg.ClientBase>,
  events: readonly DecodedEvent[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await projector.apply(client, events);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Every row of every table, every column, in a stable order: the thing a replay must not change.
 * Ordered by the first column, each table's key (`id`, or the seed's `room_id`/`task_id`).
 */
export async function snapshotTables(
  pool: pg.Pool,
  tables: readonly string[],
): Promise<Record<string, Record<string, unknown>[]>> {
  const dump: Record<string, Record<string, unknown>[]> = {};
  for (const table of tables) {
    const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY 1`);
    dump[table] = rows;
  }
  return dump;
}
