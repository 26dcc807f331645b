import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, registerUser, startSystem } from '../testing/system.js';
import type { SystemUnderTest } from '../testing/system.js';
import { connect } from '../testing/ws-client.js';
import type { TestSocket } from '../testing/ws-client.js';

/**
 * Meeting access as the read side shows it, through the three real services: invitees see the
 * meeting, hosts list invitations, only hosts see the lobby (REST and WebSocket), and a banned user
 * reads no chat posted after the ban.
 */

type User = Awaited<ReturnType<typeof registerUser>>;

let system: SystemUnderTest;
let host: User;
let alice: User;
let bob: User;
const sockets: TestSocket[] = [];

before(async () => {
  system = await startSystem();
  [host, alice, bob] = await Promise.all([
    registerUser(system, 'host'),
    registerUser(system, 'alice'),
    registerUser(system, 'bob'),
  ]);
});
after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await system?.stop();
});

const command = (method: string, path: string, user: User, body?: unknown) =>
  call(system.command.baseUrl, method, path, user.token, body);

/** Writes, then reads once the read models hold the write (read-your-writes). */
let lastPosition = 0;
async function write(method: string, path: string, user: User, body?: unknown) {
  const res = await command(method, path, user, body);
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  lastPosition = Math.max(lastPosition, res.body.position as number);
  return res.body;
}
const read = (path: string, user: User | null) =>
  call(
    system.query.baseUrl,
    'GET',
    `${path}${path.includes('?') ? '&' : '?'}minPosition=${lastPosition}`,
    user?.token,
  );

async function schedule(settings: Record<string, unknown>): Promise<string> {
  const body = await write('POST', '/meetings', host, {
    title: 'Access',
    scheduledStartAt: '2030-01-07T09:00:00Z',
    settings,
  });
  return body.meetingId as string;
}

describe('invitations', () => {
  test('an invitee sees the meeting before joining, and no longer once the invitation is revoked', async () => {
    const id = await schedule({ access: 'invited' });
    assert.equal((await read(`/meetings/${id}`, alice)).status, 404);
    await write('PUT', `/meetings/${id}/invitations/${alice.userId}`, host);
    const seen = await read(`/meetings/${id}`, alice);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.settings.access, 'invited');
    const mine = await read('/users/me/meetings', alice);
    assert.ok(
      mine.body.items.some((m: { id: string }) => m.id === id),
      'among "my meetings"',
    );

    await write('DELETE', `/meetings/${id}/invitations/${alice.userId}`, host);
    assert.equal((await read(`/meetings/${id}`, alice)).status, 404);
  });

  test('hosts list the invitations in force; others get 403 (404 if they cannot see it), anonymous 401', async () => {
    const id = await schedule({ access: 'invited' });
    await write('PUT', `/meetings/${id}/invitations/${alice.userId}`, host);
    await write('PUT', `/meetings/${id}/invitations/${bob.userId}`, host);
    await write('DELETE', `/meetings/${id}/invitations/${bob.userId}`, host);
    const listed = await read(`/meetings/${id}/invitations`, host);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      listed.body.items.map((i: { userId: string; invitedBy: string }) => [i.userId, i.invitedBy]),
      [[alice.userId, host.userId]],
    );
    const refused = await read(`/meetings/${id}/invitations`, alice);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.rule, 'host-only');
    assert.equal((await read(`/meetings/${id}/invitations`, bob)).status, 404);
    assert.equal((await read(`/meetings/${id}/invitations`, null)).status, 401);
    assert.equal((await read(`/meetings/not-a-uuid/invitations`, host)).status, 400);
    assert.equal((await read(`/meetings/${id}/invitations?extra=1`, host)).status, 400);
  });
});

describe('the lobby', () => {
  test('hosts see who waits, over REST and the WebSocket; others see neither the lobby nor its changes', async () => {
    const id = await schedule({ access: 'open', lobby: true });
    await write('POST', `/meetings/${id}/join`, host);
    await write('PUT', `/meetings/${id}/invitations/${alice.userId}`, host);
    // Alice is invited but the lobby holds her too, until a host admits her.
    await write('POST', `/meetings/${id}/join`, alice);
    await write('POST', `/meetings/${id}/lobby/${alice.userId}/admit`, host);

    const socketOf = (u: User) => connect(`${system.query.wsUrl}?token=${encodeURIComponent(u.token)}`);
    const [hostSocket, aliceSocket] = await Promise.all([socketOf(host), socketOf(alice)]);
    sockets.push(hostSocket, aliceSocket);
    // Read once the room reflects the admission, so that both sockets start from the same room.
    const room = await read(`/rooms/${id}`, host);
    assert.equal(room.status, 200, JSON.stringify(room.body));
    assert.deepEqual(room.body.lobby, []);
    assert.equal((await read(`/rooms/${id}`, alice)).body.lobby, null);

    for (const socket of [hostSocket, aliceSocket]) {
      socket.send({ type: 'subscribe', meetingId: id });
      await socket.next((m) => m.type === 'subscribed');
    }
    await write('POST', `/meetings/${id}/join`, bob);
    const waiting = await hostSocket.next(
      (m) => m.type === 'room' && m.change === 'ParticipantWaiting',
      5000,
    );
    assert.deepEqual(
      waiting.room.lobby.map((w: { userId: string }) => w.userId),
      [bob.userId],
    );
    const hostView = await read(`/rooms/${id}`, host);
    assert.deepEqual(
      hostView.body.lobby.map((w: { userId: string }) => w.userId),
      [bob.userId],
    );
    assert.equal((await read(`/rooms/${id}`, alice)).body.lobby, null);

    await write('POST', `/meetings/${id}/lobby/${bob.userId}/deny`, host);
    await hostSocket.next((m) => m.type === 'room' && m.change === 'ParticipantDenied', 5000);
    // A participant who is not a host was told nothing of the lobby's comings and goings.
    await write('POST', `/meetings/${id}/participants/${alice.userId}/mute`, alice);
    const next = await aliceSocket.next((m) => m.type === 'room', 5000);
    assert.equal(next.change, 'ParticipantMuted');
    assert.equal(next.room.lobby, null);
  });
});

describe('chat after a ban', () => {
  test('a banned participant reads the chat from before the ban, nothing after; lifting the ban restores it', async () => {
    const id = await schedule({ access: 'open' });
    await write('POST', `/meetings/${id}/start`, host);
    await write('POST', `/meetings/${id}/join`, host);
    await write('POST', `/meetings/${id}/join`, bob);
    await write('POST', `/meetings/${id}/chat-messages`, bob, { text: 'before' });
    await write('POST', `/meetings/${id}/participants/${bob.userId}/remove`, host, { ban: true });
    await write('POST', `/meetings/${id}/chat-messages`, host, { text: 'after' });

    const texts = async (user: User) => {
      const res = await read(`/meetings/${id}/chat-messages`, user);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.items.map((m: { text: string }) => m.text);
    };
    assert.deepEqual(await texts(bob), ['before']);
    assert.deepEqual(await texts(host), ['before', 'after']);

    await write('DELETE', `/meetings/${id}/bans/${bob.userId}`, host);
    assert.deepEqual(await texts(bob), ['before', 'after']);
  });
});
