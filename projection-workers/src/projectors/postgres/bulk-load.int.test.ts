import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import type { ClientBase } from 'pg';
import { inTransaction } from '../../testing/postgres-projection.js';
import { whileBulkLoading } from './bulk-load.js';
import { COPY_FROM_ROWS, insertNewRows } from './row-source.js';
import { RowSet, loadRows, writeRows } from './versioned-rows.js';
import type { TableSpec } from './versioned-rows.js';

const database = useTestDatabase();

interface Row {
  id: string;
  label: string;
  last_stream_version: number;
}
const spec: TableSpec<Row> = {
  table: 'bulk_rows',
  key: ['id'],
  insertOnly: [],
  columns: { id: 'uuid', label: 'text', last_stream_version: 'bigint' },
};

const inBatch = (work: (tx: ClientBase) => Promise<void>, bulk: boolean) =>
  inTransaction(database.pool, (tx) => (bulk ? whileBulkLoading(tx, work) : work(tx)));

/** Changes two existing rows and creates `created` new ones, as a batch folding its events does. */
async function batch(tx: ClientBase, existing: readonly string[], created: readonly string[]) {
  const set = new RowSet<Row>((r) => r.id);
  for (const row of await loadRows(tx, spec, 'id = ANY($1::uuid[])', [existing])) set.add(row);
  for (const id of existing)
    set.upsert(
      id,
      2,
      () => ({ id, label: 'new', last_stream_version: 2 }),
      (r) => (r.label = 'changed'),
    );
  for (const id of created)
    set.upsert(
      id,
      1,
      () => ({ id, label: `created ${id.slice(0, 4)}`, last_stream_version: 1 }),
      () => undefined,
    );
  await writeRows(tx, spec, set);
}

const table = async (name: string) => (await database.pool.query(`SELECT * FROM ${name} ORDER BY id`)).rows;

test('in a bulk load, rows a batch created are COPYed in and rows it loaded upserted: the table ends as the upsert alone leaves it', async () => {
  await database.pool.query(
    'CREATE TABLE bulk_rows (id uuid PRIMARY KEY, label text, last_stream_version bigint)',
  );
  const existing = [randomUUID(), randomUUID()];
  const created = Array.from({ length: COPY_FROM_ROWS + 5 }, () => randomUUID());
  await database.pool.query(`INSERT INTO bulk_rows SELECT id, 'old', 1 FROM unnest($1::uuid[]) AS id`, [
    existing,
  ]);
  await inBatch((tx) => batch(tx, existing, created), true);
  const bulk = await table('bulk_rows');
  await database.pool.query('TRUNCATE bulk_rows');
  await database.pool.query(`INSERT INTO bulk_rows SELECT id, 'old', 1 FROM unnest($1::uuid[]) AS id`, [
    existing,
  ]);
  await inBatch((tx) => batch(tx, existing, created), false);
  assert.deepEqual(bulk, await table('bulk_rows'));
  assert.equal(bulk.filter((r: Row) => r.label === 'changed').length, 2);

  // A row the batch did not find but the table holds: the COPY fails on its key and writes nothing
  // (the runner then applies the batch's events one at a time, through the upsert); outside a bulk
  // load the same batch upserts.
  const hidden = created[0]!;
  await assert.rejects(
    inBatch(
      (tx) => batch(tx, [], [hidden, ...Array.from({ length: COPY_FROM_ROWS }, () => randomUUID())]),
      true,
    ),
    { code: '23505' },
  );
  assert.equal(bulk.length, (await table('bulk_rows')).length);
  await inBatch((tx) => batch(tx, [], [hidden]), false);
});

test('rows written once go straight in by COPY during a bulk load, and conflicts are skipped otherwise', async () => {
  await database.pool.query('CREATE TABLE once_rows (id uuid PRIMARY KEY, seq integer, at timestamptz)');
  const rows = Array.from({ length: COPY_FROM_ROWS }, (_, i) => [
    randomUUID(),
    i,
    new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60)).toISOString(),
  ]);
  const columns = [
    ['id', 'uuid'],
    ['seq', 'integer'],
    ['at', 'timestamptz'],
  ] as const;
  await inBatch((tx) => insertNewRows(tx, 'once_rows', 'id', columns, rows), true);
  assert.equal((await table('once_rows')).length, COPY_FROM_ROWS);
  // Again, outside a bulk load: every row is there already, nothing changes, nothing fails.
  await inBatch((tx) => insertNewRows(tx, 'once_rows', 'id', columns, rows), false);
  // Again inside one: the COPY refuses the duplicates.
  await assert.rejects(
    inBatch((tx) => insertNewRows(tx, 'once_rows', 'id', columns, rows), true),
    { code: '23505' },
  );
  assert.equal((await table('once_rows')).length, COPY_FROM_ROWS);
});
