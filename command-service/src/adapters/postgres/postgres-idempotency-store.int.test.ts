import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import pg from 'pg';
import { PostgresIdempotencyStore } from './postgres-idempotency-store.js';

let db: TestDatabase;
let pool: pg.Pool;
let store: PostgresIdempotencyStore;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  store = new PostgresIdempotencyStore(pool, 3600, 30);
});
after(async () => {
  await pool.end();
  await db.drop();
});

const response = {
  status: 201,
  headers: { ETag: '"1"' },
  body: { streamId: 'meeting-x', version: 1, position: 7 },
};

describe('PostgresIdempotencyStore (real PostgreSQL)', () => {
  test('claim, complete, then the same request replays and another request is a mismatch', async () => {
    assert.deepEqual(await store.claim('u1', 'k1', 'hash-a'), { outcome: 'claimed' });
    assert.deepEqual(await store.claim('u1', 'k1', 'hash-a'), { outcome: 'in_progress' });
    await store.complete('u1', 'k1', response);
    assert.deepEqual(await store.claim('u1', 'k1', 'hash-a'), { outcome: 'replay', response });
    assert.deepEqual(await store.claim('u1', 'k1', 'hash-b'), { outcome: 'mismatch' });
  });

  test('keys are scoped per caller', async () => {
    assert.equal((await store.claim('u1', 'shared', 'h')).outcome, 'claimed');
    assert.equal((await store.claim('u2', 'shared', 'h')).outcome, 'claimed');
  });

  test('concurrent claims of one key: exactly one wins', async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim('u3', 'race', 'h')));
    assert.equal(claims.filter((c) => c.outcome === 'claimed').length, 1);
    assert.ok(claims.every((c) => c.outcome === 'claimed' || c.outcome === 'in_progress'));
  });

  test('a released claim can be claimed again; a dead holder’s claim is taken over after its lock', async () => {
    await store.claim('u4', 'k', 'h');
    await store.release('u4', 'k');
    assert.equal((await store.claim('u4', 'k', 'h')).outcome, 'claimed');

    await store.claim('u4', 'stuck', 'h');
    await pool.query(
      `UPDATE command_idempotency SET locked_until = now() - interval '1 s' WHERE key = 'stuck'`,
    );
    assert.equal((await store.claim('u4', 'stuck', 'other')).outcome, 'mismatch');
    assert.equal((await store.claim('u4', 'stuck', 'h')).outcome, 'claimed');
  });

  test('purgeExpired removes records older than the TTL only', async () => {
    await store.claim('u5', 'old', 'h');
    await store.claim('u5', 'new', 'h');
    await pool.query(
      `UPDATE command_idempotency SET created_at = now() - interval '2 hours' WHERE key = 'old'`,
    );
    assert.ok((await store.purgeExpired()) >= 1);
    const { rows } = await pool.query(`SELECT key FROM command_idempotency WHERE scope = 'u5'`);
    assert.deepEqual(
      rows.map((r: { key: string }) => r.key),
      ['new'],
    );
  });
});
