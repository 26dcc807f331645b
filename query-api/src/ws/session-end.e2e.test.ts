import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startProcessUnderTest, startServiceProcess } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';
import { connect } from '../testing/ws-client.js';
import type { Closed, TestSocket } from '../testing/ws-client.js';

/**
 * A WebSocket outlives no session: logged out on the command service, lost from Redis or expired,
 * its socket is closed with 4401 within about WS_SESSION_CHECK_MS (default 500), while the
 * sockets of live sessions carry on. The two services share one database and Redis key prefix.
 */

const BOUND_MS = 1000;
const REASON = 'the session has expired or was revoked';

let commands: ServiceUnderTest;
let queries: ServiceUnderTest;
let wsUrl: string;
let fx: ReadModelFixture;
let redis: Redis;
let bystander: TestViewer;
let bystanderSocket: TestSocket;
let bystanderMeeting: string;
let bystanderVersion = 5;
const sockets: TestSocket[] = [];

const sessionKey = (token: string) =>
  `${commands.redisPrefix}session:${createHash('sha256').update(token).digest('base64url')}`;

before(async () => {
  commands = await startServiceProcess();
  queries = await startProcessUnderTest({
    main: fileURLToPath(new URL('../main.ts', import.meta.url)),
    readyMessage: 'query-api listening',
    shared: { db: commands.db, redisPrefix: commands.redisPrefix },
  });
  wsUrl = `ws://127.0.0.1:${queries.port}/ws`;
  fx = new ReadModelFixture(commands.db.url, commands.redisUrl, commands.redisPrefix);
  redis = new Redis(commands.redisUrl);
  bystander = await fx.user();
  bystanderMeeting = await subscribable(bystander.userId);
  bystanderSocket = await open(bystander.token, bystanderMeeting);
  // Its session would now last an hour; an idle socket must not slide it back (checked at the end).
  await redis.expire(sessionKey(bystander.token), 100);
});

after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  redis?.disconnect();
  await fx?.close();
  await queries?.stop();
  await commands?.stop();
});

/** A started meeting hosted by `userId`, with a live room. */
async function subscribable(userId: string): Promise<string> {
  const meetingId = await fx.meeting(userId, { status: 'started' });
  await fx.room(meetingId, {});
  return meetingId;
}

/** A socket subscribed to `meetingId`. */
async function open(token: string, meetingId: string): Promise<TestSocket> {
  const socket = await connect(`${wsUrl}?token=${encodeURIComponent(token)}`);
  sockets.push(socket);
  socket.send({ type: 'subscribe', meetingId });
  assert.equal((await socket.next()).type, 'subscribed');
  return socket;
}

/** Resolves with the close and the time it arrived, or rejects BOUND_MS after `since`. */
async function closedWithin(socket: TestSocket, since: number): Promise<Closed & { afterMs: number }> {
  let closedAt = 0;
  socket.ws.once('close', () => (closedAt = performance.now()));
  const left = BOUND_MS - (performance.now() - since);
  const closed = await Promise.race([
    socket.closed,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still open ${BOUND_MS} ms after the session ended`)), left),
    ),
  ]);
  if (closedAt === 0) closedAt = performance.now(); // it had closed before the race began
  return { ...closed, afterMs: closedAt - since };
}

/** The bystander is still open and still receives its room's changes. */
async function assertBystanderLive(): Promise<void> {
  assert.equal(bystanderSocket.ws.readyState, bystanderSocket.ws.OPEN);
  bystanderVersion += 1;
  await redis.publish(
    `${commands.redisPrefix}room-changes:${bystanderMeeting}`,
    JSON.stringify({
      meetingId: bystanderMeeting,
      version: bystanderVersion,
      type: 'RecordingStarted',
      room: null,
    }),
  );
  const change = await bystanderSocket.next((m) => m.type === 'room', 1000);
  assert.equal(change.version, bystanderVersion);
}

async function post(path: string, body: unknown): Promise<any> {
  const res = await fetch(`${commands.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

describe('a WebSocket whose session ends', () => {
  test('is closed with 4401 within a second of DELETE /sessions/current on the command service', async () => {
    const username = `u_${randomBytes(5).toString('hex')}`;
    const password = 'correct horse battery';
    const { userId } = await post('/users', { username, email: `${username}@example.com`, password });
    const { token } = await post('/sessions', { username, password });
    const socket = await open(token, await subscribable(userId));

    const res = await fetch(`${commands.baseUrl}/sessions/current`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    const loggedOut = performance.now();
    assert.equal(res.status, 204);
    const closed = await closedWithin(socket, loggedOut);
    console.log(`DELETE /sessions/current → 4401 close after ${closed.afterMs.toFixed(0)} ms`);
    assert.equal(closed.code, 4401);
    assert.equal(closed.reason, REASON);
    await assertBystanderLive();
  });

  test('is closed with 4401 within a second of its key disappearing from Redis', async () => {
    const viewer = await fx.user();
    const socket = await open(viewer.token, await subscribable(viewer.userId));
    assert.equal(await redis.del(sessionKey(viewer.token)), 1);
    const lost = performance.now();
    const closed = await closedWithin(socket, lost);
    console.log(`session key deleted in Redis → 4401 close after ${closed.afterMs.toFixed(0)} ms`);
    assert.deepEqual([closed.code, closed.reason], [4401, REASON]);
    await assertBystanderLive();
  });

  test('is closed with 4401 within a second of expiring', async () => {
    const viewer = await fx.user();
    const socket = await open(viewer.token, await subscribable(viewer.userId));
    await redis.pexpire(sessionKey(viewer.token), 200);
    const expires = performance.now() + 200;
    const closed = await closedWithin(socket, expires);
    console.log(`session expired → 4401 close after ${closed.afterMs.toFixed(0)} ms`);
    assert.deepEqual([closed.code, closed.reason], [4401, REASON]);
    await assertBystanderLive();
  });

  test('while a live session stays open, receiving, and is not kept alive by its idle socket', async () => {
    await assertBystanderLive();
    const ttl = await redis.ttl(sessionKey(bystander.token));
    // Set to 100 s before the tests above, which took several checks: none refreshed it.
    assert.ok(ttl > 0 && ttl < 100, `ttl ${ttl}`);
    assert.equal(
      queries.logs.filter((l) => l.msg === 'could not check WebSocket sessions').length,
      0,
      'every check succeeded',
    );
  });
});
