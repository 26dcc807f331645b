import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { createPool, serviceKey } from '@meetings/db';
import { startPrivateEtcd } from '@meetings/db/testing';
import type { PrivateEtcd } from '@meetings/db/testing';
import { Etcd3 } from 'etcd3';
import { callApi, commandApi, SFU_MAIN, startMediaStack } from './testing/media-stack.js';
import type { MediaStack } from './testing/media-stack.js';
import { SignalingClient } from './testing/signaling-client.js';

/*
 * Placement with a real etcd: command-service, projection-workers, query-api and two sfu-node
 * processes (sfu-a, sfu-b) registered under /meeting-system/services/sfu-node/. Meetings are placed
 * on the least-loaded node, clients learn where from query-api, the other node refuses them, and
 * when a node is SIGKILLed its lease runs out, its meetings are placed again and their clients
 * reconnect to the survivor. No media flows here (signaling only), so no network namespace.
 */

const LEASE_TTL_SECONDS = 2;

let etcd: PrivateEtcd;
let stack: MediaStack;
const sfus = new Map<string, ServiceUnderTest>();
let pool: ReturnType<typeof createPool>;
const clients: SignalingClient[] = [];

const { ok, user } = commandApi(() => stack.command.baseUrl);

/** A started open meeting the host is in. */
async function runningMeeting(token: string, title: string): Promise<string> {
  const { meetingId } = await ok('POST', '/meetings', token, {
    title,
    scheduledStartAt: '2030-01-07T09:00:00Z',
    settings: { access: 'open' },
  });
  await ok('POST', `/meetings/${meetingId}/join`, token);
  await ok('POST', `/meetings/${meetingId}/start`, token);
  return meetingId as string;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mediaServer = (meetingId: string, token: string) =>
  callApi(stack.query.baseUrl, 'GET', `/meetings/${meetingId}/media-server`, token);

/** Where query-api says to connect, once it says so. */
const placedAt = (meetingId: string, token: string, not?: string) =>
  until(`a media server for ${meetingId}`, async () => {
    const res = await mediaServer(meetingId, token);
    return res.status === 200 && res.body.sfuNodeId !== not
      ? (res.body as { sfuNodeId: string; url: string })
      : null;
  });

async function connect(url: string, token: string): Promise<SignalingClient> {
  const client = await SignalingClient.open(`${url}?token=${encodeURIComponent(token)}`);
  clients.push(client);
  return client;
}

/** Joins once the room cache shows the placement and the user (the projection runs behind). */
async function joinWhenReady(url: string, token: string, meetingId: string) {
  return until(`a join at ${url}`, async () => {
    const client = await connect(url, token);
    const answer = await client.answer('join', { meetingId });
    if (!answer.error) return client;
    await client.close();
    return null;
  });
}

/** The SFU signaling sessions of a meeting, once `done` holds of them. */
const sessionsOf = (meetingId: string, done: (rows: any[]) => boolean) =>
  until(`signaling sessions of ${meetingId}`, async () => {
    const { rows } = await pool.query(
      `SELECT node_id, user_id, status, disconnect_reason FROM signaling_sessions
       WHERE meeting_id = $1 AND node_id LIKE 'sfu:%' ORDER BY connected_at`,
      [meetingId],
    );
    return done(rows) ? rows : null;
  });

async function startSfu(nodeId: string, rtcMinPort: number): Promise<ServiceUnderTest> {
  const sfu = await startProcessUnderTest({
    main: SFU_MAIN,
    readyMessage: 'sfu-node listening',
    shared: stack.shared,
    env: {
      SFU_PORT: '0',
      SFU_WORKERS: '1',
      SFU_RTC_MIN_PORT: String(rtcMinPort),
      SFU_RTC_MAX_PORT: String(rtcMinPort + 99),
      SFU_NODE_ID: nodeId,
      ETCD_ENDPOINTS: etcd.endpoint,
      ETCD_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
      SFU_PLACEMENT_INTERVAL_MS: '200',
      SFU_LOAD_REPORT_MS: '200',
    },
  });
  sfus.set(nodeId, sfu);
  return sfu;
}

before(async () => {
  etcd = await startPrivateEtcd();
  stack = await startMediaStack({
    commandEnv: { RATE_LIMIT_COMMANDS: '0' },
    queryEnv: {
      ETCD_ENDPOINTS: etcd.endpoint,
      ETCD_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
      // query-api sweeps its own nodes' sessions often: it must leave the SFU nodes' alone.
      SIGNALING_SWEEP_INTERVAL_MS: '200',
    },
  });
  await Promise.all([startSfu('sfu-a', 43000), startSfu('sfu-b', 43100)]);
  pool = createPool({ connectionString: stack.command.db.url, max: 2 }, console);
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([...sfus.values()].map((s) => s.terminate()));
  await pool?.end();
  await stack?.stop();
  await etcd?.stop();
});

test('nodes register with their load; meetings go to the least-loaded node; a killed node’s meetings move and their clients reconnect', async () => {
  // Each node is listed under the seed's key with where it listens and its load.
  const client = new Etcd3({ hosts: [etcd.endpoint] });
  try {
    const registered = await until('both registrations', async () => {
      const values = await Promise.all(
        ['sfu-a', 'sfu-b'].map((id) => client.get(serviceKey('sfu-node', `${id}`)).json()),
      );
      return values.every(Boolean) ? (values as any[]) : null;
    });
    for (const [i, id] of ['sfu-a', 'sfu-b'].entries()) {
      const value = registered[i];
      const sfu = sfus.get(id)!;
      assert.equal(value.host, '127.0.0.1');
      assert.equal(value.port, sfu.port);
      assert.equal(value.metadata.url, `ws://127.0.0.1:${sfu.port}/ws`);
      assert.deepEqual(value.metadata.load, { peers: 0, rooms: 0 });
    }
  } finally {
    client.close();
  }

  const host = await user('host');
  const guest = await user('guest');
  // Before anyone asks: not a participant of a meeting not running.
  const first = await runningMeeting(host.token, 'first');
  await ok('POST', `/meetings/${first}/join`, guest.token);
  const placedFirst = await placedAt(first, host.token);
  // Both idle: the smallest id wins the tie.
  assert.equal(placedFirst.sfuNodeId, 'sfu-a');
  assert.equal(placedFirst.url, `ws://127.0.0.1:${sfus.get('sfu-a')!.port}/ws`);
  // sfu-a has a meeting now, once meeting_rooms (what the placer counts) shows it; query-api
  // answered from the room cache, which another projection writes: the next one goes to sfu-b.
  await until('the placement in meeting_rooms', async () => {
    const { rows } = await pool.query('SELECT sfu_node_id FROM meeting_rooms WHERE meeting_id = $1', [first]);
    return rows[0]?.sfu_node_id === 'sfu-a' ? true : null;
  });
  const second = await runningMeeting(host.token, 'second');
  assert.equal((await placedAt(second, host.token)).sfuNodeId, 'sfu-b');

  // Only present participants learn where: a stranger does not see the meeting, an invitee who
  // has not joined sees it but gets no media server.
  const stranger = await user('stranger');
  const unseen = await mediaServer(first, stranger.token);
  assert.equal(unseen.status, 404, JSON.stringify(unseen.body));
  await ok('PUT', `/meetings/${first}/invitations/${stranger.userId}`, host.token);
  const refused = await until('the invitation projected', async () => {
    const res = await mediaServer(first, stranger.token);
    return res.status === 404 ? null : res;
  });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.rule, 'not-a-participant');

  // The placement is in the log, written by the placer node with its service identity.
  const { rows: placements } = await pool.query(
    `SELECT data, metadata FROM es_events WHERE stream_id = $1 AND type = 'MeetingPlacedOnSfuNode'`,
    [`meeting-${first}`],
  );
  assert.equal(placements.length, 1);
  assert.deepEqual(placements[0].data, {
    meetingId: first,
    sfuNodeId: 'sfu-a',
    previousSfuNodeId: null,
    reason: 'meeting_started',
  });
  assert.equal(placements[0].metadata.correlationId, 'sfu:sfu-a');
  assert.equal(placements[0].metadata.actorUserId, null);

  // The other node refuses the meeting's participants; its own node takes them.
  const elsewhere = await connect(`ws://127.0.0.1:${sfus.get('sfu-b')!.port}/ws`, guest.token);
  assert.equal(await elsewhere.errorOf('join', { meetingId: first }), 'wrong-node');
  const guestOnA = await joinWhenReady(placedFirst.url, guest.token, first);
  // The socket's stay is a signaling session of the node (the refused join made none).
  assert.deepEqual(await sessionsOf(first, (rows) => rows.length === 1), [
    { node_id: 'sfu:sfu-a', user_id: guest.userId, status: 'connected', disconnect_reason: null },
  ]);

  // sfu-a crashes: the guest's socket drops; once its lease runs out the meeting moves to sfu-b.
  const killedAt = Date.now();
  await sfus.get('sfu-a')!.kill();
  assert.equal((await guestOnA.closed).code, 1006);
  const during = await mediaServer(first, guest.token);
  if (during.status !== 200) {
    assert.equal(during.status, 503, JSON.stringify(during.body));
    assert.equal(during.headers.get('retry-after'), '1');
  }
  const moved = await placedAt(first, guest.token, 'sfu-a');
  const movedAfterMs = Date.now() - killedAt;
  assert.equal(moved.sfuNodeId, 'sfu-b');
  assert.ok(movedAfterMs >= (LEASE_TTL_SECONDS - 1) * 1000, `moved after ${movedAfterMs} ms`);
  const guestOnB = await joinWhenReady(moved.url, guest.token, first);
  // The dead node's session was closed by the survivor's sweeper; the new one is open, and
  // query-api's sweeper (every 200 ms) leaves it alone: SFU nodes are not query-api's to judge.
  const sessions = await sessionsOf(first, (rows) => rows.length === 2 && rows[0].status === 'disconnected');
  assert.deepEqual(sessions, [
    { node_id: 'sfu:sfu-a', user_id: guest.userId, status: 'disconnected', disconnect_reason: 'node-dead' },
    { node_id: 'sfu:sfu-b', user_id: guest.userId, status: 'connected', disconnect_reason: null },
  ]);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await sessionsOf(first, () => true))[1].status, 'connected');
  await guestOnB.close();
  assert.deepEqual((await sessionsOf(first, (rows) => rows[1]?.status === 'disconnected'))[1], {
    node_id: 'sfu:sfu-b',
    user_id: guest.userId,
    status: 'disconnected',
    disconnect_reason: 'socket-closed',
  });

  const { rows: rooms } = await pool.query(
    'SELECT meeting_id, sfu_node_id FROM meeting_rooms WHERE meeting_id = ANY($1) ORDER BY sfu_node_id',
    [[first, second]],
  );
  assert.deepEqual(
    rooms.map((r) => r.sfu_node_id),
    ['sfu-b', 'sfu-b'],
  );
  const { rows: moves } = await pool.query(
    `SELECT data, metadata FROM es_events WHERE stream_id = $1 AND type = 'MeetingPlacedOnSfuNode' ORDER BY global_position`,
    [`meeting-${first}`],
  );
  assert.deepEqual(moves.at(-1).data, {
    meetingId: first,
    sfuNodeId: 'sfu-b',
    previousSfuNodeId: 'sfu-a',
    reason: 'node_lost',
  });
  // sfu-b placed it: it became the placer when sfu-a's key went.
  assert.equal(moves.at(-1).metadata.correlationId, 'sfu:sfu-b');
});
