import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import pg from 'pg';
import type { Claim, ClaimedKey } from '../../ports/idempotency-store.js';
import { PostgresIdempotencyStore } from './postgres-idempotency-store.js';

let db: TestDatabase;
let pool: pg.Pool;
let store: PostgresIdempotencyStore;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 12 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  store = new PostgresIdempotencyStore(pool, 3600);
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

function claimed(claim: Claim): ClaimedKey {
  assert.equal(claim.outcome, 'claimed');
  return claim.key;
}

describe('PostgresIdempotencyStore (real PostgreSQL)', () => {
  test('claim, complete, then the same request replays and another request is a mismatch', async () => {
    const key = claimed(await store.claim('u1', 'k1', 'hash-a'));
    assert.deepEqual(await store.claim('u1', 'k1', 'hash-a'), { outcome: 'in_progress' });
    await key.complete(response);
    assert.deepEqual(await store.claim('u1', 'k1', 'hash-a'), { outcome: 'replay', response });
    assert.deepEqual(await store.claim('u1', 'k1', 'hash-b'), { outcome: 'mismatch' });
    assert.equal(pool.totalCount - pool.idleCount, 0, 'no connection is left checked out');
  });

  test('keys are scoped per caller', async () => {
    const a = claimed(await store.claim('u1', 'shared', 'h'));
    const b = claimed(await store.claim('u2', 'shared', 'h'));
    await Promise.all([a.release(), b.release()]);
  });

  test('concurrent claims of one key: exactly one wins', async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim('u3', 'race', 'h')));
    const won = claims.filter((c) => c.outcome === 'claimed');
    assert.equal(won.length, 1);
    assert.ok(claims.every((c) => c.outcome === 'claimed' || c.outcome === 'in_progress'));
    await claimed(won[0]!).release();
  });

  test('a released claim can be claimed again at once', async () => {
    await claimed(await store.claim('u4', 'k', 'h')).release();
    await claimed(await store.claim('u4', 'k', 'h')).release();
  });

  test('the claim of a holder that died is taken over at once, its request hash still binding', async () => {
    // Another process claims over its own connection, then dies: its connection closes.
    const holder = new pg.Pool({ connectionString: db.url, max: 1 });
    holder.on('connect', (client) => client.on('error', () => undefined));
    const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    claimed(await new PostgresIdempotencyStore(holder, 3600).claim('u6', 'dies', 'h'));
    assert.deepEqual(await store.claim('u6', 'dies', 'h'), { outcome: 'in_progress' }, 'while it lives');
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]); // as when the process is killed
    // The backend ends (and frees its locks) a moment after the signal: wait until it is gone.
    for (let i = 0; i < 200; i++) {
      const alive = await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [rows[0]!.pid]);
      if (alive.rowCount === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(await store.claim('u6', 'dies', 'other'), { outcome: 'mismatch' });
    const taken = claimed(await store.claim('u6', 'dies', 'h'));
    await taken.complete({ status: 409, headers: {}, body: { rule: 'meeting-full' } });
    assert.deepEqual(await store.claim('u6', 'dies', 'h'), {
      outcome: 'replay',
      response: { status: 409, headers: {}, body: { rule: 'meeting-full' } },
    });
  });

  test('purgeExpired removes records older than the TTL only', async () => {
    await claimed(await store.claim('u5', 'old', 'h')).complete(response);
    await claimed(await store.claim('u5', 'new', 'h')).complete(response);
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
