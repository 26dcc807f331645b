import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { deleteKeys } from '../../testing/service-process.js';
import { RedisLoginThrottle, RedisSessionStore } from './redis-session-store.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}:`;
let redis: Redis;

before(() => {
  redis = new Redis(url, { keyPrefix: prefix });
});
after(async () => {
  redis.disconnect();
  await deleteKeys(url, prefix);
});

const user = {
  userId: '00000000-0000-4000-8000-000000000001',
  username: 'alice',
  role: 'user' as const,
  ip: '::1',
  userAgent: 'test',
};

describe('RedisSessionStore (real Redis)', () => {
  test('stores session:{sha256(token)} with the seed fields and a TTL, never the token itself', async () => {
    const store = new RedisSessionStore(redis, 3600);
    const { token, session } = await store.create(user);
    const key = `session:${session.sessionId}`;
    const fields = await redis.hgetall(key);
    assert.equal(fields.user_id, user.userId);
    assert.equal(fields.username, 'alice');
    assert.equal(fields.role, 'user');
    assert.ok(fields.created_at && fields.last_active_at);
    const ttl = await redis.ttl(key);
    assert.ok(ttl > 3590 && ttl <= 3600, `ttl ${ttl}`);
    assert.ok(!JSON.stringify(fields).includes(token));
    assert.equal((await redis.keys('*')).filter((k) => k.includes(token)).length, 0);
  });

  test('touch returns the session and slides its TTL back to the full lifetime', async () => {
    const store = new RedisSessionStore(redis, 3600);
    const { token, session } = await store.create(user);
    await redis.expire(`session:${session.sessionId}`, 10);
    const touched = await store.touch(token);
    assert.equal(touched?.userId, user.userId);
    assert.ok((await redis.ttl(`session:${session.sessionId}`)) > 3590);
  });

  test('an expired or revoked session is gone and touch does not resurrect it', async () => {
    const store = new RedisSessionStore(redis, 3600);
    const { token, session } = await store.create(user);
    assert.equal(await store.revoke(token), true);
    assert.equal(await store.touch(token), null);
    assert.equal(await redis.exists(`session:${session.sessionId}`), 0);
    assert.equal(await store.touch('never-issued'), null);
  });
});

describe('RedisLoginThrottle (real Redis)', () => {
  test('locks a username after the maximum failures, case-insensitively, until reset', async () => {
    const throttle = new RedisLoginThrottle(redis, 3, 60);
    for (let i = 0; i < 2; i++) await throttle.recordFailure('Bob');
    assert.equal(await throttle.isLocked('bob'), 0);
    await throttle.recordFailure('BOB');
    const lockedFor = await throttle.isLocked('bob');
    assert.ok(lockedFor > 0 && lockedFor <= 60);
    await throttle.reset('bob');
    assert.equal(await throttle.isLocked('bob'), 0);
  });
});
