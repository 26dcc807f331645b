import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { streams } from '@meetings/events';
import { Redis } from 'ioredis';
import { LiveLog } from '../testing/live-log.js';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';
import { ReadModelFixture, roomHash } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';
import { connect } from '../testing/ws-client.js';
import type { TestSocket } from '../testing/ws-client.js';

let api: QueryApiUnderTest;
let fx: ReadModelFixture;
let publisher: Redis;
let host: TestViewer, guest: TestViewer, outsider: TestViewer, admin: TestViewer;
let meetingId: string, quietId: string, hiddenId: string;
const sockets: TestSocket[] = [];

before(async () => {
  api = await startQueryApi();
  fx = new ReadModelFixture(api.db.url, api.redisUrl, api.redisPrefix);
  publisher = new Redis(api.redisUrl);
  [host, guest, outsider, admin] = await Promise.all([fx.user(), fx.user(), fx.user(), fx.user('admin')]);
  meetingId = await fx.meeting(host.userId, { status: 'started' });
  quietId = await fx.meeting(host.userId);
  hiddenId = await fx.meeting(outsider.userId);
  await fx.participant(meetingId, guest.userId);
  await fx.room(meetingId, {
    [guest.userId]: {
      role: 'participant',
      isMuted: false,
      isVideoOn: false,
      joinedAt: '2030-01-07T09:01:00.000Z',
    },
  });
});

after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  publisher?.disconnect();
  await fx?.close();
  await api?.stop();
});

async function open(viewer?: TestViewer, via: 'query' | 'header' = 'query'): Promise<TestSocket> {
  const token = viewer ? viewer.token : undefined;
  const url = via === 'query' && token ? `${api.wsUrl}?token=${encodeURIComponent(token)}` : api.wsUrl;
  const socket = await connect(url, via === 'header' && token ? { authorization: `Bearer ${token}` } : {});
  sockets.push(socket);
  return socket;
}

/** Publishes a change as the room-cache projection does. */
function publish(id: string, version: number, type: string, room: Record<string, string> | null) {
  return publisher.publish(
    `${api.redisPrefix}room-changes:${id}`,
    JSON.stringify({ meetingId: id, version, type, room }),
  );
}

describe('authentication', () => {
  test('a missing, unknown or revoked token is closed with 4401', async () => {
    const revoked = await fx.user();
    await fx.revoke(revoked.token);
    for (const socket of [
      await open(),
      await connect(`${api.wsUrl}?token=not-a-session`),
      await connect(api.wsUrl, { authorization: 'Bearer not-a-session' }),
      await open(revoked),
    ]) {
      assert.equal((await socket.closed).code, 4401);
    }
  });

  test('the token may come in the Authorization header', async () => {
    const socket = await open(guest, 'header');
    socket.send({ type: 'ping' });
    assert.deepEqual(await socket.next(), { type: 'pong' });
  });
});

describe('subscriptions', () => {
  test('subscribe answers the current room, then every change arrives within 100 ms of its PUBLISH', async () => {
    const socket = await open(guest);
    socket.send({ type: 'subscribe', meetingId });
    const subscribed = await socket.next();
    assert.equal(subscribed.type, 'subscribed');
    assert.equal(subscribed.meetingId, meetingId);
    assert.equal(subscribed.room.version, 5);
    assert.deepEqual(
      subscribed.room.participants.map((p: any) => p.userId),
      [guest.userId],
    );
    for (let version = 6; version <= 8; version++) {
      const participants = {
        [guest.userId]: {
          role: 'participant',
          isMuted: version % 2 === 0,
          isVideoOn: false,
          joinedAt: '2030-01-07T09:01:00.000Z',
        },
      };
      const sent = performance.now();
      await publish(
        meetingId,
        version,
        version % 2 ? 'ParticipantUnmuted' : 'ParticipantMuted',
        roomHash(meetingId, version, participants),
      );
      const change = await socket.next((m) => m.type === 'room', 1000);
      const latency = performance.now() - sent;
      assert.ok(latency < 100, `pushed after ${latency.toFixed(1)} ms`);
      assert.equal(change.meetingId, meetingId);
      assert.equal(change.version, version);
      assert.equal(change.change, version % 2 ? 'ParticipantUnmuted' : 'ParticipantMuted');
      assert.equal(change.room.participants[0].isMuted, version % 2 === 0);
    }
    await publish(meetingId, 9, 'MeetingEnded', null);
    const ended = await socket.next((m) => m.type === 'room');
    assert.equal(ended.room, null, 'a deleted room is pushed as null');
  });

  test('a change older than what the client has (a room cache rebuilding) or repeated is not pushed', async () => {
    const socket = await open(guest);
    socket.send({ type: 'subscribe', meetingId });
    assert.equal((await socket.next()).room.version, 5);
    await publish(meetingId, 3, 'ParticipantJoined', roomHash(meetingId, 3, {}));
    await publish(meetingId, 5, 'ParticipantMuted', roomHash(meetingId, 5, {}));
    await socket.silence(150);
    await publish(meetingId, 6, 'ParticipantUnmuted', roomHash(meetingId, 6, {}));
    assert.equal((await socket.next((m) => m.type === 'room')).version, 6);
    await publish(meetingId, 6, 'ParticipantUnmuted', roomHash(meetingId, 6, {}));
    await publish(meetingId, 4, 'ParticipantJoined', roomHash(meetingId, 4, {}));
    await socket.silence(150);
  });

  test('a meeting without a live room subscribes with room null; an admin may subscribe to any', async () => {
    const socket = await open(admin);
    socket.send({ type: 'subscribe', meetingId: quietId });
    assert.deepEqual(await socket.next(), { type: 'subscribed', meetingId: quietId, room: null });
    socket.send({ type: 'subscribe', meetingId: hiddenId });
    assert.equal((await socket.next()).type, 'subscribed');
  });

  test('a meeting the caller may not see is refused, and none of its changes are pushed', async () => {
    const socket = await open(host);
    for (const id of [hiddenId, randomUUID()]) {
      socket.send({ type: 'subscribe', meetingId: id });
      const refused = await socket.next();
      assert.equal(refused.type, 'error');
      assert.equal(refused.error, 'meeting-not-found');
      assert.equal(refused.meetingId, id);
    }
    await publish(hiddenId, 2, 'ParticipantJoined', roomHash(hiddenId, 2, {}));
    await socket.silence(150);
  });

  test('unsubscribe stops the pushes', async () => {
    const socket = await open(host);
    socket.send({ type: 'subscribe', meetingId: quietId });
    await socket.next((m) => m.type === 'subscribed');
    socket.send({ type: 'unsubscribe', meetingId: quietId });
    assert.deepEqual(await socket.next(), { type: 'unsubscribed', meetingId: quietId });
    await publish(quietId, 2, 'MeetingStarted', roomHash(quietId, 2, {}));
    await socket.silence(150);
    socket.send({ type: 'unsubscribe', meetingId: quietId });
    assert.equal((await socket.next()).error, 'not-subscribed');
  });

  test('invalid messages get an error and the connection stays usable', async () => {
    const socket = await open(guest);
    const invalid = [
      'not json',
      '[]',
      'null',
      JSON.stringify({ type: 'dance' }),
      JSON.stringify({ type: 'subscribe' }),
      JSON.stringify({ type: 'subscribe', meetingId: 'not-a-uuid' }),
      JSON.stringify({ type: 'subscribe', meetingId, extra: true }),
    ];
    for (const raw of invalid) {
      socket.send(raw);
      const error = await socket.next();
      assert.equal(error.type, 'error', raw);
      assert.equal(error.error, 'invalid-message', raw);
      assert.equal(typeof error.detail, 'string');
    }
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await socket.next()).error, 'invalid-message');
    socket.send({ type: 'ping' });
    assert.deepEqual(await socket.next(), { type: 'pong' });
  });
});

describe('with the projection worker', () => {
  test('a participant joining is pushed from the room-cache projection', async () => {
    const log = new LiveLog(api.db.url, api.redisUrl, api.redisPrefix);
    try {
      log.startWorker();
      const id = randomUUID();
      const stream = streams.meeting(id);
      const scheduled = await log.append(stream, 'MeetingScheduled', {
        meetingId: id,
        hostId: host.userId,
        title: 'Live',
        description: null,
        scheduledStartAt: '2030-06-01T10:00:00Z',
        scheduledEndAt: null,
        maxParticipants: 10,
        settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
        passcodeVersion: null,
      });
      // The meeting must be in the read model before the host may subscribe.
      const ready = await fetch(`${api.baseUrl}/meetings/${id}?minPosition=${scheduled}`, {
        headers: { authorization: `Bearer ${host.token}` },
      });
      assert.equal(ready.status, 200);
      const socket = await open(host);
      socket.send({ type: 'subscribe', meetingId: id });
      assert.deepEqual(await socket.next(), { type: 'subscribed', meetingId: id, room: null });
      await log.append(stream, 'ParticipantJoined', {
        meetingId: id,
        userId: host.userId,
        role: 'host',
        isMuted: false,
        isVideoOn: true,
      });
      const joined = await socket.next((m) => m.type === 'room', 5000);
      assert.equal(joined.change, 'ParticipantJoined');
      assert.equal(joined.room.status, 'waiting');
      assert.deepEqual(
        joined.room.participants.map((p: any) => [p.userId, p.role, p.isVideoOn]),
        [[host.userId, 'host', true]],
      );
      await log.append(stream, 'MeetingStarted', { meetingId: id, startedBy: host.userId });
      const started = await socket.next((m) => m.type === 'room', 5000);
      assert.equal(started.room.status, 'live');
      assert.ok(started.version > joined.version);
    } finally {
      await log.close();
    }
  });
});

describe('shutdown', () => {
  test('SIGTERM closes WebSockets with 1001 and exits cleanly', async () => {
    const socket = await open(guest);
    socket.send({ type: 'subscribe', meetingId });
    await socket.next((m) => m.type === 'subscribed');
    const [closed, code] = await Promise.all([socket.closed, api.terminate()]);
    assert.equal(closed.code, 1001);
    assert.equal(code, 0);
    assert.ok(api.logs.some((l) => l.msg === 'shut down'));
  });
});
