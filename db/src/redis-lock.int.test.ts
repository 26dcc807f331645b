import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { DEFAULT_LOCK_TTL_MS, RedisLock } from './redis-lock.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:${randomBytes(6).toString('hex')}:`;

let redis: Redis;
let raw: Redis;

before(() => {
  redis = new Redis(REDIS_URL, { keyPrefix: PREFIX });
  raw = new Redis(REDIS_URL);
});

after(async () => {
  const keys = await raw.keys(`${PREFIX}*`);
  if (keys.length) await raw.del(...keys);
  redis.disconnect();
  raw.disconnect();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisLock (real Redis)', () => {
  test('lock:{resource} holds the holder id with a 30 s TTL; a second holder is refused', async () => {
    const a = new RedisLock(redis, 'sweep', { holderId: 'node-a' });
    const b = new RedisLock(redis, 'sweep', { holderId: 'node-b' });
    assert.equal(a.ttlMs, DEFAULT_LOCK_TTL_MS);
    assert.equal(await a.acquire(), true);
    assert.equal(await raw.get(`${PREFIX}lock:sweep`), 'node-a');
    const ttl = await raw.pttl(`${PREFIX}lock:sweep`);
    assert.ok(ttl > 29_000 && ttl <= 30_000, `TTL ${ttl}`);

    assert.equal(await b.acquire(), false, 'contention: the lock is held');
    assert.equal(await a.acquire(), false, 'not re-entrant either');
    assert.equal(await b.holder(), 'node-a');

    assert.equal(await a.release(), true);
    assert.equal(await b.acquire(), true, 'free again once released');
    assert.equal(await b.release(), true);
  });

  test('only the holder releases or renews: a non-holder changes nothing', async () => {
    const a = new RedisLock(redis, 'passcode:m1');
    const b = new RedisLock(redis, 'passcode:m1');
    assert.equal(await a.acquire(), true);
    await raw.pexpire(`${PREFIX}lock:passcode:m1`, 5_000);
    assert.equal(await b.release(), false);
    assert.equal(await b.renew(), false);
    assert.equal(await a.holder(), a.holderId);
    assert.ok((await raw.pttl(`${PREFIX}lock:passcode:m1`)) <= 5_000, 'a non-holder renewed it');

    assert.equal(await a.renew(), true);
    assert.ok((await raw.pttl(`${PREFIX}lock:passcode:m1`)) > 29_000, 'the holder renews to a full TTL');
    assert.equal(await a.release(), true);
    assert.equal(await a.release(), false, 'released once');
  });

  test('an expired lock is free; its old holder can neither renew nor free the new one', async () => {
    const a = new RedisLock(redis, 'expiring', { ttlMs: 50 });
    const b = new RedisLock(redis, 'expiring', { ttlMs: 5_000 });
    assert.equal(await a.acquire(), true);
    await sleep(80);
    assert.equal(await a.holder(), null);
    assert.equal(await b.acquire(), true);
    assert.equal(await a.renew(), false);
    assert.equal(await a.release(), false);
    assert.equal(await b.holder(), b.holderId);
    await b.release();
  });

  test('runExclusive: one runner at a time, renewed while it works, released after', async () => {
    const a = new RedisLock(redis, 'exclusive', { ttlMs: 150 });
    const b = new RedisLock(redis, 'exclusive', { ttlMs: 150 });
    let ranB = true;
    const ranA = await a.runExclusive(async (signal) => {
      ranB = await b.runExclusive(() => assert.fail('two runners at once'));
      await sleep(400); // longer than the TTL: only the renewals keep it
      assert.equal(signal.aborted, false);
      assert.equal(await b.holder(), a.holderId);
    });
    assert.equal(ranA, true);
    assert.equal(ranB, false);
    assert.equal(await a.holder(), null, 'released after the work');

    // A lock taken over while the work stalls aborts its signal at the next renewal.
    const aborted = await a.runExclusive(async (signal) => {
      await raw.set(`${PREFIX}lock:exclusive`, 'someone-else', 'PX', 5_000);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    });
    assert.equal(aborted, true);
    assert.equal(await b.holder(), 'someone-else', "the other's lock was not freed");
  });
});
