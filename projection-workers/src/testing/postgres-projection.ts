import type { DecodedEvent } from '@meetings/events';
import type pg from 'pg';
import type { Projector } from '../projectors/projector.js';

/** Applies a batch as the runner does: in one transaction on one client. */
export const applyInTransaction = (
  pool: pg.Pool,
  projector: Projector<pg.ClientBase>,
  events: readonly DecodedEvent[],
): Promise<void> => inTransaction(pool, (client) => projector.apply(client, events));

/** Runs `work` in one transaction on one client of `pool`, rolled back if it throws. */
export async function inTransaction(
  pool: pg.Pool,
  work: (client: pg.ClientBase) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
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
