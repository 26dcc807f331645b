import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { serviceKey } from '@meetings/db';
import { startPrivateEtcd } from '@meetings/db/testing';
import type { PrivateEtcd } from '@meetings/db/testing';
import { Etcd3 } from 'etcd3';
import pg from 'pg';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';
import { connect } from '../testing/ws-client.js';
import type { TestSocket } from '../testing/ws-client.js';

/*
 * signaling_sessions as query-api nodes record them: real query-api processes on one database and
 * Redis prefix, the signaling-sessions projection in a real projection-workers process, and for
 * the etcd case a private etcd.
 */

const WORKER = fileURLToPath(new URL('../../../projection-workers/src/main.ts', import.meta.url));
const TTL_SECONDS = 2;
const SWEEP_MS = 200;
const FAST = {
  NODE_HEARTBEAT_TTL_SECONDS: String(TTL_SECONDS),
  SIGNALING_SWEEP_INTERVAL_MS: String(SWEEP_MS),
};

let first: QueryApiUnderTest;
const nodes: QueryApiUnderTest[] = [];
let worker: ServiceUnderTest;
let fx: ReadModelFixture;
let pool: pg.Pool;
let host: TestViewer;
let meetings: string[];
const sockets: TestSocket[] = [];

before(async () => {
  first = await startQueryApi(FAST);
  const shared = { db: first.db, redisPrefix: first.redisPrefix };
  worker = await startProcessUnderTest({
    main: WORKER,
    readyMessage: 'projection-workers running',
    shared,
    env: { PROJECTION_POLL_INTERVAL_MS: '10', PROJECTIONS: 'signaling-sessions' },
  });
  fx = new ReadModelFixture(first.db.url, first.redisUrl, first.redisPrefix);
  pool = new pg.Pool({ connectionString: first.db.url, max: 2 });
  host = await fx.user();
  meetings = [await fx.meeting(host.userId), await fx.meeting(host.userId), await fx.meeting(host.userId)];
});

after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await fx?.close();
  await pool?.end();
  await Promise.all(nodes.map((n) => n.terminate()));
  await worker?.terminate();
  await first?.stop();
});

/** Another node on the first one's database and prefix. */
async function startNode(env: Record<string, string>): Promise<QueryApiUnderTest> {
  const node = await startQueryApi(env, { shared: { db: first.db, redisPrefix: first.redisPrefix } });
  nodes.push(node);
  return node;
}

const nodeIdOf = (node: QueryApiUnderTest) =>
  String(node.logs.find((l) => l.msg === 'query-api listening')!.nodeId);

async function subscribe(node: QueryApiUnderTest, ...meetingIds: string[]): Promise<TestSocket> {
  const socket = await connect(`${node.wsUrl}?token=${encodeURIComponent(host.token)}`);
  sockets.push(socket);
  for (const meetingId of meetingIds) {
    socket.send({ type: 'subscribe', meetingId });
    await socket.next((m) => m.type === 'subscribed' && m.meetingId === meetingId);
  }
  return socket;
}

interface SessionRow {
  meeting_id: string;
  user_id: string;
  status: string;
  connected_at: Date;
  disconnected_at: Date | null;
  disconnect_reason: string | null;
}
const rowsOf = async (nodeId: string) =>
  (
    await pool.query<SessionRow>(
      `SELECT meeting_id, user_id, status, connected_at, disconnected_at, disconnect_reason
       FROM signaling_sessions WHERE node_id = $1 ORDER BY connected_at, meeting_id`,
      [nodeId],
    )
  ).rows;

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const rowsWhen = (nodeId: string, check: (rows: SessionRow[]) => boolean, timeoutMs?: number) =>
  until(
    `${nodeId}'s sessions`,
    async () => {
      const rows = await rowsOf(nodeId);
      return check(rows) ? rows : null;
    },
    timeoutMs,
  );

describe('a node records its sessions', () => {
  test('one connected row per socket and meeting; unsubscribing or closing disconnects it', async () => {
    const nodeId = nodeIdOf(first);
    const [m1, m2] = meetings as [string, string];
    const socket = await subscribe(first, m1, m2);
    const open = await rowsWhen(nodeId, (rows) => rows.length === 2);
    assert.deepEqual(
      open.map((r) => [r.meeting_id, r.user_id, r.status, r.disconnected_at]).sort(),
      [
        [m1, host.userId, 'connected', null],
        [m2, host.userId, 'connected', null],
      ].sort(),
    );
    // Subscribing again to a room already subscribed is not a new session.
    socket.send({ type: 'subscribe', meetingId: m1 });
    await socket.next((m) => m.type === 'subscribed');

    const beforeUnsubscribe = new Date();
    socket.send({ type: 'unsubscribe', meetingId: m1 });
    await socket.next((m) => m.type === 'unsubscribed');
    const afterUnsubscribe = await rowsWhen(nodeId, (rows) =>
      rows.some((r) => r.meeting_id === m1 && r.status === 'disconnected'),
    );
    const unsubscribed = afterUnsubscribe.find((r) => r.meeting_id === m1)!;
    assert.equal(unsubscribed.disconnect_reason, 'unsubscribed');
    assert.ok(unsubscribed.disconnected_at! >= new Date(beforeUnsubscribe.getTime() - 1000));
    assert.equal(afterUnsubscribe.find((r) => r.meeting_id === m2)!.status, 'connected');

    await socket.close();
    const closed = await rowsWhen(nodeId, (rows) => rows.every((r) => r.status === 'disconnected'));
    assert.equal(closed.length, 2);
    assert.equal(closed.find((r) => r.meeting_id === m2)!.disconnect_reason, 'socket-closed');
  });
});

/** Kills `victim` holding one session; the survivor's sweeper must close it. Returns the latency. */
async function killAndWatch(victim: QueryApiUnderTest, survivor: QueryApiUnderTest): Promise<number> {
  const [m1, , m3] = meetings as [string, string, string];
  const victimId = nodeIdOf(victim);
  const survivorId = nodeIdOf(survivor);
  await subscribe(victim, m1, m3);
  await subscribe(survivor, m1);
  await rowsWhen(victimId, (rows) => rows.length === 2 && rows.every((r) => r.status === 'connected'));
  await rowsWhen(survivorId, (rows) => rows.some((r) => r.status === 'connected'));

  await victim.kill();
  const killedAt = Date.now();
  const closed = await rowsWhen(
    victimId,
    (rows) => rows.every((r) => r.status === 'disconnected'),
    (TTL_SECONDS + 10) * 1000,
  );
  const latency = Date.now() - killedAt;
  assert.deepEqual(
    closed.map((r) => r.disconnect_reason),
    ['node-dead', 'node-dead'],
  );
  const alive = await rowsOf(survivorId);
  assert.ok(
    alive.some((r) => r.status === 'connected'),
    "the survivor's own sessions stay connected",
  );
  return latency;
}

describe('a node that dies: a surviving node closes its sessions', () => {
  test('with the Redis heartbeat', async () => {
    const victim = await startNode(FAST);
    const latency = await killAndWatch(victim, first);
    console.log(
      `Redis heartbeat: sessions of a SIGKILLed node closed ${latency} ms after the kill ` +
        `(TTL ${TTL_SECONDS} s, sweep every ${SWEEP_MS} ms)`,
    );
    assert.ok(latency < TTL_SECONDS * 1000 + 3000, `${latency} ms`);
  });

  describe('with etcd: the registration is the heartbeat', () => {
    let etcd: PrivateEtcd;
    let client: Etcd3;
    before(async () => {
      etcd = await startPrivateEtcd();
      client = new Etcd3({ hosts: etcd.endpoint });
    });
    after(async () => {
      client?.close();
      await etcd?.stop();
    });

    test('each node is registered under /meeting-system/services/query-api/; a killed one is swept', async () => {
      // Every node of a deployment keeps the same kind of heartbeat: the Redis-heartbeat node would
      // find no heartbeat of the etcd ones and take them for dead.
      assert.equal(await first.terminate(), 0);
      const env = { ...FAST, ETCD_ENDPOINTS: etcd.endpoint, ETCD_LEASE_TTL_SECONDS: String(TTL_SECONDS) };
      const [survivor, victim] = await Promise.all([startNode(env), startNode(env)]);
      const registered = await client.getAll().prefix('/meeting-system/services/query-api/').strings();
      for (const node of [survivor, victim]) {
        const value = registered[serviceKey('query-api', nodeIdOf(node))];
        assert.ok(value, `instance_${nodeIdOf(node)} is registered`);
        assert.deepEqual(
          { host: JSON.parse(value).host, port: JSON.parse(value).port },
          { host: '127.0.0.1', port: node.port },
        );
      }
      const latency = await killAndWatch(victim, survivor);
      console.log(
        `etcd lease: sessions of a SIGKILLed node closed ${latency} ms after the kill ` +
          `(lease TTL ${TTL_SECONDS} s, sweep every ${SWEEP_MS} ms)`,
      );
      assert.ok(latency < TTL_SECONDS * 1000 + 3000, `${latency} ms`);
      assert.equal(
        await client.get(serviceKey('query-api', nodeIdOf(victim))).string(),
        null,
        'the killed node left the registry',
      );
      assert.equal(await survivor.terminate(), 0);
      assert.equal(
        await client.get(serviceKey('query-api', nodeIdOf(survivor))).string(),
        null,
        'a graceful stop deregisters at once',
      );
    });
  });
});
