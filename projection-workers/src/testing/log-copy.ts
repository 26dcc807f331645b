import type pg from 'pg';

/**
 * Copies the event log of one database into another, positions and transaction ids included, with
 * the keys of its personal data (without them, every encrypted field would project as erased).
 */
export async function copyEventLog(from: pg.Pool, to: pg.Pool): Promise<number> {
  const { rows } = await from.query<Record<string, unknown>>(
    `SELECT global_position, transaction_id::text AS transaction_id, event_id, stream_id, stream_version, type,
            schema_version, data::text AS data, metadata::text AS metadata, occurred_at, recorded_at
     FROM es_events ORDER BY global_position`,
  );
  for (let i = 0; i < rows.length; i += 1000) {
    const page = rows.slice(i, i + 1000);
    const column = (name: string) => page.map((r) => r[name]);
    await to.query(
      `INSERT INTO es_events (global_position, transaction_id, event_id, stream_id, stream_version, type,
         schema_version, data, metadata, occurred_at, recorded_at)
       SELECT * FROM unnest($1::bigint[], $2::xid8[], $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::int[],
         $8::jsonb[], $9::jsonb[], $10::timestamptz[], $11::timestamptz[])`,
      [
        'global_position',
        'transaction_id',
        'event_id',
        'stream_id',
        'stream_version',
        'type',
        'schema_version',
        'data',
        'metadata',
        'occurred_at',
        'recorded_at',
      ].map(column),
    );
  }
  await to.query(
    `SELECT setval('es_events_global_position_seq', (SELECT coalesce(max(global_position), 1) FROM es_events))`,
  );
  const keys = await from.query<{
    user_id: string;
    key: Buffer | null;
    created_at: Date;
    destroyed_at: Date | null;
  }>('SELECT user_id, key, created_at, destroyed_at FROM personal_data_keys');
  await to.query(
    `INSERT INTO personal_data_keys (user_id, key, created_at, destroyed_at)
     SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::timestamptz[], $4::timestamptz[])`,
    (['user_id', 'key', 'created_at', 'destroyed_at'] as const).map((c) => keys.rows.map((r) => r[c])),
  );
  return rows.length;
}
