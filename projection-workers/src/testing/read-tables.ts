import { PROJECTION_TABLES } from '@meetings/db';
import type pg from 'pg';

/**
 * Every read table's rows, ordered, without the columns a projection fills from its own clock or
 * sequence: what a rebuild must reproduce.
 */
export async function readTables(pool: pg.Pool): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of PROJECTION_TABLES) {
    // operation_logs.created_at is the event's time (kept); its id a local sequence.
    const skip =
      table === 'operation_logs' ? ['id', 'projected_at', 'updated_at'] : ['created_at', 'updated_at'];
    const { rows } = await pool.query<{ r: string }>(
      `SELECT (to_jsonb(t) ${skip.map((c) => `- '${c}'`).join(' ')})::text AS r FROM ${table} t ORDER BY 1`,
    );
    out[table] = rows.map((r) => r.r);
  }
  return out;
}
