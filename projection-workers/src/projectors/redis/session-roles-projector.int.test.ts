import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { RedisSessionStore } from '@meetings/command-service/sessions';
import { deleteKeys } from '@meetings/command-service/testing';
import { streams, userSessionsKey } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import { Redis } from 'ioredis';
import { RedisTarget } from '../../adapters/redis/redis-target.js';
import type { RedisUnit } from '../../adapters/redis/redis-target.js';
import type { TargetRun } from '../../ports/checkpoint-store.js';
import { EventFactory } from '../../testing/event-factory.js';
import { SessionRolesProjector } from './session-roles-projector.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:${randomBytes(6).toString('hex')}:`;
let redis: Redis;
let sessions: RedisSessionStore;
let run: TargetRun<RedisUnit>;
const projector = new SessionRolesProjector(PREFIX);
const factory = new EventFactory();

before(async () => {
  redis = new Redis(REDIS_URL, { keyPrefix: PREFIX });
  sessions = new RedisSessionStore(redis, 3600);
  run = await new RedisTarget(redis).open('session-roles');
});
after(async () => {
  redis.disconnect();
  await deleteKeys(REDIS_URL, PREFIX);
});

const logIn = (userId: string, role: 'user' | 'admin', roleVersion: number) =>
  sessions.create({
    userId,
    username: `u${roleVersion}`,
    email: `u${roleVersion}@example.com`,
    role,
    roleVersion,
    ip: '',
    userAgent: '',
  });

/** A role change at `version` of the user's stream. */
function changed(userId: string, role: 'user' | 'admin', version: number): DecodedEvent {
  const event = factory.event(streams.user(userId), 'UserRoleChanged', { userId, role, changedBy: null });
  return { ...event, streamVersion: version };
}

const apply = (...events: DecodedEvent[]) => run.commit((tx) => projector.apply(tx, events), null);

test('a role change reaches every session the user holds at once, and only newer changes do', async () => {
  const [admin, other] = [randomUUID(), randomUUID()];
  const laptop = await logIn(admin, 'admin', 3);
  const phone = await logIn(admin, 'admin', 3);
  const bystander = await logIn(other, 'admin', 3);

  await apply(changed(admin, 'user', 4));
  for (const { token } of [laptop, phone]) {
    const session = await sessions.touch(token);
    assert.equal(session?.role, 'user');
    assert.equal(session?.roleVersion, 4);
  }
  assert.equal((await sessions.touch(bystander.token))?.role, 'admin', 'another user is untouched');

  // A redelivered or older change, and one the log-in already knew, change nothing.
  await apply(changed(admin, 'admin', 3), changed(admin, 'user', 4));
  assert.equal((await sessions.touch(laptop.token))?.role, 'user');
  const later = await logIn(admin, 'admin', 6); // logged in after a promotion at version 6
  await apply(changed(admin, 'user', 5));
  assert.equal((await sessions.touch(later.token))?.role, 'admin');
});

test('a log-in that read the user before a role change gets the changed role, though the change was applied first', async () => {
  const userId = randomUUID();
  // The log-in read the user at version 3 (an admin); the demotion at 4 is applied before its session exists.
  await apply(changed(userId, 'user', 4));
  const late = await logIn(userId, 'admin', 3);
  const session = await sessions.touch(late.token);
  assert.equal(session?.role, 'user');
  assert.equal(session?.roleVersion, 4);
  // A log-in that read the user after the change keeps what it read.
  const fresh = await logIn(userId, 'admin', 5);
  assert.equal((await sessions.touch(fresh.token))?.role, 'admin');
});

test('ended sessions are pruned from the index as it is read', async () => {
  const userId = randomUUID();
  const kept = await logIn(userId, 'user', 1);
  const ended = await logIn(userId, 'user', 1);
  await sessions.revoke(ended.token);
  await apply(changed(userId, 'admin', 2));
  assert.deepEqual(await redis.smembers(userSessionsKey(userId)), [kept.session.sessionId]);
  assert.equal((await sessions.touch(kept.token))?.role, 'admin');
});

/** A status change or a deletion at `version` of the user's stream. */
function statusChanged(userId: string, status: 'active' | 'disabled', version: number): DecodedEvent {
  const event = factory.event(streams.user(userId), 'UserStatusChanged', {
    userId,
    status,
    changedBy: randomUUID(),
  });
  return { ...event, streamVersion: version };
}
function deleted(userId: string, version: number): DecodedEvent {
  return {
    ...factory.event(streams.user(userId), 'UserDeleted', { userId, deletedBy: userId }),
    streamVersion: version,
  };
}

test('a disable ends the sessions held before it, and a log-in read before it cannot begin one', async () => {
  const [userId, other] = [randomUUID(), randomUUID()];
  const held = [await logIn(userId, 'user', 2), await logIn(userId, 'admin', 3)];
  const bystander = await logIn(other, 'user', 2);

  await apply(statusChanged(userId, 'disabled', 4));
  for (const { token } of held) assert.equal(await sessions.touch(token), null);
  assert.notEqual(await sessions.touch(bystander.token), null, 'another user is untouched');
  await assert.rejects(logIn(userId, 'user', 3), /revoked/);

  // Re-enabled, the user logs in again; the disable replayed (a rebuild) spares that session.
  await apply(statusChanged(userId, 'active', 5));
  const again = await logIn(userId, 'user', 6);
  await apply(statusChanged(userId, 'disabled', 4));
  assert.notEqual(await sessions.touch(again.token), null);
});

test('a deletion ends every session, for good', async () => {
  const userId = randomUUID();
  const held = await logIn(userId, 'user', 2);
  await apply(deleted(userId, 3));
  assert.equal(await sessions.touch(held.token), null);
  assert.deepEqual(await redis.smembers(userSessionsKey(userId)), []);
  await assert.rejects(logIn(userId, 'user', 2), /revoked/);
});
