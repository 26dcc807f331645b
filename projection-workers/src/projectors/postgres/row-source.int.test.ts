import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import type { PoolClient } from 'pg';
import { COPY_FROM_ROWS, rowSource } from './row-source.js';

const database = useTestDatabase();

const COLUMNS = [
  ['id', 'integer'],
  ['word', 'text'],
  ['doc', 'jsonb'],
  ['at', 'timestamptz'],
  ['flag', 'boolean'],
  ['big', 'bigint'],
] as const;

/** Values COPY's text format reserves characters for, beside plain ones. */
const TRICKY = ['plain', 'back\\slash', 'tab\there', 'new\nline', 'cr\rhere', '\\N', 'ünïcødé 🎥', '', null];

async function roundTrip(count: number, client?: PoolClient): Promise<unknown[]> {
  const own = client ?? (await database.pool.connect());
  try {
    return await inTransaction(own, count);
  } finally {
    if (!client) own.release();
  }
}

async function inTransaction(client: PoolClient, count: number): Promise<unknown[]> {
  {
    await client.query('BEGIN');
    const rows = Array.from({ length: count }, (_, i) => [
      i,
      TRICKY[i % TRICKY.length],
      JSON.stringify({ text: TRICKY[i % TRICKY.length], n: i, quote: '"\\"' }),
      new Date(Date.UTC(2026, 11, 1, 0, 0, i % 60)).toISOString(),
      i % 2 === 0,
      i % 3 === 0 ? null : '9007199254740993',
    ]);
    const source = await rowSource(client, 's', COLUMNS, rows);
    const { rows: out } = await client.query(
      `SELECT s.id, s.word, s.doc, s.at, s.flag, s.big::text AS big, s.n::int AS n FROM ${source.from} ORDER BY s.n`,
      source.params,
    );
    await client.query('COMMIT');
    return out;
  }
}

test('rows travel alike as array parameters and through COPY, reserved characters and NULLs included', async () => {
  const few = await roundTrip(COPY_FROM_ROWS - 1);
  const many = await roundTrip(COPY_FROM_ROWS + 1);
  assert.deepEqual(many.slice(0, few.length), few);
  assert.equal(many.length, COPY_FROM_ROWS + 1);
  assert.equal((few[3] as { word: string }).word, 'new\nline');
  assert.equal((few[5] as { word: string }).word, '\\N');
  assert.equal((few[8] as { word: string | null }).word, null);
  assert.equal((few[1] as { big: string }).big, '9007199254740993');
  // The staging table is emptied at commit: the next batch on the same connection starts from nothing.
  const client = await database.pool.connect();
  try {
    assert.equal((await roundTrip(COPY_FROM_ROWS, client)).length, COPY_FROM_ROWS);
    assert.equal((await roundTrip(COPY_FROM_ROWS + 5, client)).length, COPY_FROM_ROWS + 5);
  } finally {
    client.release();
  }
});
