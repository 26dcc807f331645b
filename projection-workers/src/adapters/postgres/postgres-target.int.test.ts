import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import pg from 'pg';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import { loadCheckpoint, PostgresTarget } from './postgres-target.js';

let db: TestDatabase;
let pool: pg.Pool;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  await pool.query('CREATE TABLE effects (n int PRIMARY KEY)');
});
after(async () => {
  await pool.end();
  await db.drop();
});

const at = (n: number) => ({ transactionId: n, globalPosition: n });
const effects = async () =>
  (await pool.query<{ n: number }>('SELECT n FROM effects ORDER BY n')).rows.map((r) => r.n);
const write = (n: number) => (tx: pg.ClientBase) => tx.query('INSERT INTO effects VALUES ($1)', [n]);

test('a run moves the checkpoint with its effects, each commit from the one it made before', async () => {
  const target = new PostgresTarget(pool);
  const run = await target.open('chain');
  assert.equal(run.checkpoint, null);
  await run.commit(write(1), at(1));
  await run.commit(null, at(2)); // nothing to apply: the checkpoint alone
  await run.commit(write(3), at(3));
  assert.deepEqual(run.checkpoint, at(3));
  assert.deepEqual(await loadCheckpoint(pool, 'chain'), at(3));
  const again = await target.open('chain');
  assert.deepEqual(again.checkpoint, at(3), 'a new run starts from the committed checkpoint');
  await pool.query('DELETE FROM effects');
});

test('a checkpoint the database lost (a crash erasing asynchronous commits) fails the next commit, which writes nothing', async () => {
  const target = new PostgresTarget(pool);
  const run = await target.open('lost');
  await run.commit(write(1), at(1));
  await run.commit(write(2), at(2));
  // What a crash does to the last asynchronous commit: its rows and its checkpoint are gone.
  await pool.query('DELETE FROM effects WHERE n = 2');
  await pool.query(
    `UPDATE projection_checkpoints SET transaction_id = 1, global_position = 1 WHERE projection = 'lost'`,
  );

  await assert.rejects(run.commit(write(3), at(3)), CheckpointConflict);
  await assert.rejects(run.commit(null, at(4)), CheckpointConflict);
  assert.deepEqual(await effects(), [1], 'the refused commit was rolled back');
  const resumed = await target.open('lost');
  assert.deepEqual(resumed.checkpoint, at(1), 'the new run starts where the database really is');
  await resumed.commit(write(2), at(2));
  await resumed.commit(write(3), at(3));
  assert.deepEqual(await effects(), [1, 2, 3]);
  await pool.query('DELETE FROM effects');
});

test('two runs of one projection: the one that commits second is fenced off', async () => {
  const target = new PostgresTarget(pool);
  const [a, b] = [await target.open('twice'), await target.open('twice')];
  await a.commit(write(1), at(1));
  await assert.rejects(b.commit(write(2), at(2)), CheckpointConflict, 'b expected no checkpoint yet');
  await a.commit(write(3), at(3));
  assert.deepEqual(await effects(), [1, 3]);
});
