import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setRoleFromCli } from '@meetings/command-service/testing';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import { call, registerUser, startSystem } from '../testing/system.js';
import type { SystemUnderTest } from '../testing/system.js';
import { connect } from '../testing/ws-client.js';
import type { TestSocket } from '../testing/ws-client.js';

/**
 * A disabled or deleted account loses the sessions it holds at once: on the command service, on
 * query-api's HTTP API at once, and on its WebSockets (closed with 4401) at the next session check.
 */

/** HTTP checks the session on every request; a WebSocket's is checked every WS_SESSION_CHECK_MS (500 ms by default). */
const HTTP_BOUND_MS = 1000;
const WS_BOUND_MS = 1000;
const PASSWORD = 'correct horse battery';

let system: SystemUnderTest;
let fx: ReadModelFixture;
let adminToken: string;
const sockets: TestSocket[] = [];

before(async () => {
  system = await startSystem();
  fx = new ReadModelFixture(system.command.db.url, system.command.redisUrl, system.command.redisPrefix);
  const admin = await registerUser(system, 'admin');
  setRoleFromCli(system.command.db.url, admin.username, 'admin');
  // The CLI can take longer than the server's keep-alive timeout on a loaded machine, and the
  // pooled connection may be closed just as it is reused: a log-in is safe to send again.
  const logIn = () =>
    call(system.command.baseUrl, 'POST', '/sessions', undefined, {
      username: admin.username,
      password: PASSWORD,
    });
  const login = await logIn().catch(logIn);
  adminToken = login.body.token;
});
after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await fx?.close();
  await system?.stop();
});

/** A user with a WebSocket subscribed to a live room of a meeting they host. */
async function connectedUser(name: string) {
  const user = await registerUser(system, name);
  const meetingId = await fx.meeting(user.userId, { status: 'started' });
  await fx.room(meetingId, {});
  const socket = await connect(
    `ws://127.0.0.1:${system.query.port}/ws?token=${encodeURIComponent(user.token)}`,
  );
  sockets.push(socket);
  socket.send({ type: 'subscribe', meetingId });
  assert.equal((await socket.next()).type, 'subscribed');
  assert.equal((await call(system.query.baseUrl, 'GET', '/users/me/meetings', user.token)).status, 200);
  return { ...user, socket };
}

/** Milliseconds from `since` until `ended` resolves true (polled), failing after `bound`. */
async function endedWithin(since: number, bound: number, ended: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await ended()) return performance.now() - since;
    assert.ok(performance.now() - since < bound, `still not ended ${bound} ms after the change`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Where each of the user's held sessions ended, in milliseconds after `since`. */
async function sessionsEnd(user: Awaited<ReturnType<typeof connectedUser>>, since: number) {
  let wsClose = { code: 0, reason: '' };
  void user.socket.closed.then((c) => (wsClose = c));
  const [command, query, ws] = await Promise.all([
    endedWithin(
      since,
      HTTP_BOUND_MS,
      async () =>
        (await call(system.command.baseUrl, 'PATCH', '/users/me', user.token, { displayName: 'x' }))
          .status === 401,
    ),
    endedWithin(
      since,
      HTTP_BOUND_MS,
      async () => (await call(system.query.baseUrl, 'GET', '/users/me/meetings', user.token)).status === 401,
    ),
    endedWithin(since, WS_BOUND_MS, () =>
      Promise.resolve(user.socket.ws.readyState === user.socket.ws.CLOSED),
    ),
  ]);
  await user.socket.closed;
  assert.equal(wsClose.code, 4401);
  return `command-service HTTP ${command.toFixed(0)} ms, query-api HTTP ${query.toFixed(0)} ms, WebSocket ${ws.toFixed(0)} ms`;
}

test('a disabled user’s HTTP sessions and WebSocket end within a second', async () => {
  const target = await connectedUser('disabled');
  const started = performance.now();
  const res = await call(system.command.baseUrl, 'PUT', `/users/${target.userId}/status`, adminToken, {
    status: 'disabled',
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  console.log(`disable → sessions ended after: ${await sessionsEnd(target, started)}`);
});

test('a deleted user’s HTTP sessions and WebSocket end within a second', async () => {
  const target = await connectedUser('deleted');
  const started = performance.now();
  const res = await call(system.command.baseUrl, 'DELETE', '/users/me', target.token, { password: PASSWORD });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  console.log(`deletion → sessions ended after: ${await sessionsEnd(target, started)}`);
});
