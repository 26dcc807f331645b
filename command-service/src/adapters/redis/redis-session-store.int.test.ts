import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BlindIndex } from '@meetings/events';
import { Redis } from 'ioredis';
import { SessionsRevoked } from '../../ports/session-store.js';
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
  email: 'alice@example.com',
  role: 'user' as const,
  roleVersion: 1,
  ip: '::1',
  userAgent: 'test',
};

describe('RedisSessionStore (real Redis)', () => {
  test('stores session:{sha256(token)} with the seed fields and a TTL, never the token itself', async () => {
    const store = new RedisSessionStore(redis, 3600);
    const before = Math.floor(Date.now() / 1000);
    const { token, session } = await store.create(user);
    const key = `session:${session.sessionId}`;
    const fields = await redis.hgetall(key);
    const now = Math.floor(Date.now() / 1000);
    assert.deepEqual(Object.keys(fields).sort(), [
      'email',
      'ip',
      'last_activity',
      'login_time',
      'role',
      'role_version',
      'session_id',
      'user_agent',
      'user_id',
      'username',
    ]);
    assert.equal(fields.user_id, user.userId);
    assert.equal(fields.username, 'alice');
    assert.equal(fields.email, 'alice@example.com');
    assert.equal(fields.role, 'user');
    assert.equal(fields.session_id, session.sessionId);
    // The seed's times: epoch seconds.
    assert.match(fields.login_time!, /^\d+$/);
    assert.ok(Number(fields.login_time) >= before && Number(fields.login_time) <= now);
    assert.equal(fields.last_activity, fields.login_time);
    const ttl = await redis.ttl(key);
    assert.ok(ttl > 3590 && ttl <= 3600, `ttl ${ttl}`);
    assert.ok(!JSON.stringify(fields).includes(token));
    assert.equal((await redis.keys('*')).filter((k) => k.includes(token)).length, 0);
  });

  test('touch returns the session and slides its TTL back to the full lifetime', async () => {
    const store = new RedisSessionStore(redis, 3600);
    const { token, session } = await store.create(user);
    await redis.expire(`session:${session.sessionId}`, 10);
    await redis.hset(`session:${session.sessionId}`, 'last_activity', '1000');
    const touched = await store.touch(token);
    assert.equal(touched?.userId, user.userId);
    assert.equal(touched?.email, 'alice@example.com');
    assert.equal(touched?.loginTime, session.loginTime);
    assert.ok(touched.lastActivity >= session.loginTime, 'last_activity is now again');
    assert.equal(
      await redis.hget(`session:${session.sessionId}`, 'last_activity'),
      String(touched.lastActivity),
    );
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

  test('alive answers which sessions exist, without refreshing their TTLs', async () => {
    const store = new RedisSessionStore(redis, 3600);
    const [kept, revoked, expired] = await Promise.all([1, 2, 3].map(() => store.create(user)));
    await store.revoke(revoked!.token);
    await redis.pexpire(`session:${expired!.session.sessionId}`, 1);
    await redis.expire(`session:${kept!.session.sessionId}`, 100);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const ids = [kept!.session.sessionId, revoked!.session.sessionId, expired!.session.sessionId];
    const alive = await store.alive([...ids, kept!.session.sessionId, 'never-issued']);
    assert.deepEqual([...alive], [kept!.session.sessionId]);
    const ttl = await redis.ttl(`session:${kept!.session.sessionId}`);
    assert.ok(ttl > 0 && ttl <= 100, `ttl ${ttl} (alive must not slide it)`);
    assert.equal(
      await redis.hget(`session:${kept!.session.sessionId}`, 'last_activity'),
      String(kept!.session.lastActivity),
    );
    assert.equal((await redis.keys('session:never-issued')).length, 0, 'nothing is created');
    assert.deepEqual(await store.alive([]), new Set());
  });

  test('alive checks thousands of ids in one round trip: every chunk is sent before any answer', async () => {
    const client = new Redis(url, { keyPrefix: prefix });
    const store = new RedisSessionStore(client, 3600);
    try {
      const created = await Promise.all(Array.from({ length: 5 }, () => store.create(user)));
      const real = created.map((c) => c.session.sessionId);
      await store.revoke(created[3]!.token);
      const ids = Array.from({ length: 4995 }, (_, i) => `missing-${i}`);
      ids.splice(0, 0, real[0]!);
      ids.splice(999, 0, real[1]!); // the last of the first chunk
      ids.splice(1000, 0, real[2]!); // the first of the second
      ids.splice(2500, 0, real[3]!);
      ids.push(real[4]!);
      // Count the calls and whether any was sent after another had been answered.
      const evaluate = client.eval.bind(client);
      let sent = 0;
      let answered = 0;
      let sentAfterAnAnswer = false;
      client.eval = ((...args: Parameters<typeof evaluate>) => {
        sent += 1;
        if (answered > 0) sentAfterAnAnswer = true;
        return evaluate(...args).finally(() => (answered += 1));
      }) as typeof client.eval;
      const started = performance.now();
      const alive = await store.alive(ids);
      const ms = performance.now() - started;
      assert.deepEqual(alive, new Set([real[0], real[1], real[2], real[4]]));
      assert.equal(sent, 5, 'chunks of 1000');
      assert.equal(sentAfterAnAnswer, false);
      console.log(`alive(${ids.length} ids) answered in ${ms.toFixed(1)} ms`);
    } finally {
      client.disconnect();
    }
  });

  test('alive fails (rather than answering "none") when Redis cannot be reached', async () => {
    const client = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await assert.rejects(new RedisSessionStore(client, 3600).alive(['some-session']));
    } finally {
      client.disconnect();
    }
  });
});

describe('revoking a user’s sessions (real Redis)', () => {
  const userId = '00000000-0000-4000-8000-000000000002';
  const of = (roleVersion: number) => ({ ...user, userId, roleVersion });

  test('ends the sessions read before the version, and every later creation read before it', async () => {
    const store = new RedisSessionStore(redis, 3600);
    const before = await store.create(of(1));
    const later = await store.create(of(3)); // a log-in after a re-enable, say
    assert.equal(await store.revokeUser(userId, 2), 1);
    assert.equal(await store.touch(before.token), null);
    assert.notEqual(await store.touch(later.token), null);
    assert.equal(await redis.sismember(`user-sessions:${userId}`, before.session.sessionId), 0);

    // A log-in that read the account before the revocation comes too late: no session, atomically.
    await assert.rejects(store.create(of(1)), SessionsRevoked);
    assert.equal((await redis.smembers(`user-sessions:${userId}`)).length, 1);
    const ttl = await redis.ttl(`user-revoked:${userId}`);
    assert.ok(ttl > 3600, `the marker outlives any log-in in flight (TTL ${ttl} s)`);

    // An older revocation (a replay) neither lowers the marker nor ends the later session.
    assert.equal(await store.revokeUser(userId, 1), 0);
    assert.equal(await redis.get(`user-revoked:${userId}`), '2');
    assert.notEqual(await store.touch(later.token), null);
    assert.ok(await store.create(of(2)), 'a log-in read at the revocation’s version or later is let in');
  });
});

describe('RedisLoginThrottle (real Redis)', () => {
  // Keyed by the name's blind digest (the account service's), which is what makes it case-insensitive.
  test('locks a name after the maximum failures, until reset', async () => {
    const throttle = new RedisLoginThrottle(redis, 3, 60);
    const name = new BlindIndex(randomBytes(32)).digest('username', 'Bob');
    for (let i = 0; i < 2; i++) await throttle.recordFailure(name);
    assert.equal(await throttle.isLocked(name), 0);
    await throttle.recordFailure(name);
    const lockedFor = await throttle.isLocked(name);
    assert.ok(lockedFor > 0 && lockedFor <= 60);
    await throttle.reset(name);
    assert.equal(await throttle.isLocked(name), 0);
  });
});
