import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPrivatePostgres } from '@meetings/db/testing';
import type { PrivatePostgres } from '@meetings/db/testing';
import { createPool } from '@meetings/db';
import { pino } from 'pino';
import type { Claim, ClaimedKey } from '../../ports/idempotency-store.js';
import { PostgresIdempotencyStore } from './postgres-idempotency-store.js';

let server: PrivatePostgres;
before(async () => {
  // Asynchronous commits stay in the WAL buffers for up to 10 s: a crash loses every one of them.
  server = await startPrivatePostgres({ settings: { wal_writer_delay: '10s' } });
});
after(() => server.stop());

function claimed(claim: Claim): ClaimedKey {
  assert.equal(claim.outcome, 'claimed');
  return claim.key;
}

/** Claims the test holds: ended before the pool is, whatever an assertion did meanwhile. */
const held: ClaimedKey[] = [];

/** The first claim after a restart may meet a connection that died with the server. */
async function claimAfterRestart(store: PostgresIdempotencyStore, key: string): Promise<Claim> {
  for (let attempt = 1; ; attempt++) {
    try {
      const claim = await store.claim('user-1', key, 'hash');
      if (claim.outcome === 'claimed') held.push(claim.key);
      return claim;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

test('on a private PostgreSQL crashed right after the answers: each replays, and a claim in flight is free at once', async () => {
  const url = await server.createDatabase();
  // As the service's pool: a connection held by a claim dies with the server and is dropped.
  const pool = createPool(
    { connectionString: url, max: 4, options: '-c synchronous_commit=off' },
    pino({ level: 'silent' }),
  );
  const store = new PostgresIdempotencyStore(pool, 3600);
  try {
    const refusal = { status: 409, headers: {}, body: { rule: 'meeting-full' } };
    const noOp = { status: 200, headers: { ETag: '"7"' }, body: { version: 7 } };
    await claimed(await store.claim('user-1', 'refused', 'hash')).complete(refusal);
    await claimed(await store.claim('user-1', 'no-op', 'hash')).complete(noOp);
    const lost = claimed(await store.claim('user-1', 'in-flight', 'hash')); // its holder never answers

    await server.crash();
    await server.start();
    // The claim's connection died with the server: ending it fails, and the connection is dropped.
    await assert.rejects(lost.release());

    assert.deepEqual(await claimAfterRestart(store, 'refused'), { outcome: 'replay', response: refusal });
    assert.deepEqual(await claimAfterRestart(store, 'no-op'), { outcome: 'replay', response: noOp });
    const taken = await claimAfterRestart(store, 'in-flight');
    assert.equal(taken.outcome, 'claimed', 'the claim ended with its connection: no lease to wait out');
  } finally {
    await Promise.allSettled(held.map((key) => key.release()));
    await pool.end();
  }
});
