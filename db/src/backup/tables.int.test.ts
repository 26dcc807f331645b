import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase } from '../testing/test-database.js';
import type { TestDatabase } from '../testing/test-database.js';
import { BACKED_UP_SECTIONS, PROJECTION_STATE_TABLES, PROJECTION_TABLES, SCHEMA_TABLES } from './tables.js';

let db: TestDatabase;
let pool: pg.Pool;
before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});
after(async () => {
  await pool.end();
  await db.drop();
});

test('every table the migrations create is classified for backups (backed up, projection or bookkeeping)', async () => {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const classified = new Set([
    ...BACKED_UP_SECTIONS.map((s) => s.table),
    ...PROJECTION_TABLES,
    ...PROJECTION_STATE_TABLES,
    ...SCHEMA_TABLES,
  ]);
  const missing = rows.map((r) => r.name).filter((name) => !classified.has(name));
  assert.deepEqual(missing, [], 'classify these tables in db/src/backup/tables.ts and README "Backups"');
  const gone = [...classified].filter((name) => !rows.some((r) => r.name === name));
  assert.deepEqual(gone, [], 'tables classified but not created by the migrations');
});
