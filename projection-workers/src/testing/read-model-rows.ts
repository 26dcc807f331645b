import type pg from 'pg';

/** Columns set from the local clock or a local sequence, not from events: left out of comparisons. */
const LOCAL = new Set(['created_at', 'updated_at', 'projected_at']);
const LOCAL_BY_TABLE: Record<string, readonly string[]> = {
  operation_logs: ['id'],
  meeting_participants: ['id'],
};

/** Every row of `tables` without local columns, sorted: equal for two projections of one log. */
export async function projectedRows(
  pool: pg.Pool,
  tables: readonly string[],
): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of tables) {
    const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM ${table}`);
    const skip = new Set([...LOCAL, ...(LOCAL_BY_TABLE[table] ?? [])]);
    dump[table] = rows
      .map((row) =>
        JSON.stringify(
          Object.entries(row)
            .filter(([c]) => !skip.has(c))
            .sort(),
        ),
      )
      .sort();
  }
  return dump;
}
