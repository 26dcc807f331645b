import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { RedisSessionStore } from '@meetings/command-service/sessions';
import { deleteKeys } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { connect } from '../testing/ws-client.js';
import type { TestSocket } from '../testing/ws-client.js';
import { RoomSocketServer } from './room-socket-server.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}:`;
const user = {
  userId: '00000000-0000-4000-8000-000000000001',
  username: 'alice',
  email: 'alice@example.com',
  role: 'user' as const,
  roleVersion: 1,
};

let redis: Redis;
let admin: Redis;
let store: RedisSessionStore;
let http: Server;
let sockets: RoomSocketServer;
let wsUrl: string;
const clients: TestSocket[] = [];

before(async () => {
  // As in the service: the sessions' own client, whose 'ready' says it is back after a disconnection.
  redis = new Redis(url, { keyPrefix: prefix, maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  admin = new Redis(url);
  store = new RedisSessionStore(redis, 3600);
  sockets = new RoomSocketServer(
    {
      sessions: store,
      // Never reached: these tests only ping.
      meetings: {} as never,
      rooms: {} as never,
      hub: {} as never,
      signaling: {} as never,
      logger: pino({ level: 'silent' }),
      maxSubscriptions: 10,
    },
    // So long that only the reconnection can explain a close within the test.
    { sessionCheckMs: 60_000, sessionStoreEvents: redis },
  );
  http = createServer();
  sockets.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  wsUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`;
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sockets?.close();
  await new Promise((resolve) => http?.close(resolve));
  redis?.disconnect();
  admin?.disconnect();
  await deleteKeys(url, prefix);
});

async function open(token: string): Promise<TestSocket> {
  const socket = await connect(`${wsUrl}?token=${encodeURIComponent(token)}`);
  clients.push(socket);
  socket.send({ type: 'ping' });
  assert.deepEqual(await socket.next(), { type: 'pong' });
  return socket;
}

describe('RoomSocketServer and the session store (real Redis)', () => {
  test('when the sessions client is ready again after a disconnection, every session is checked at once', async () => {
    const [lost, kept] = await Promise.all([
      store.create({ ...user, ip: '', userAgent: '' }),
      store.create({ ...user, ip: '', userAgent: '' }),
    ]);
    const [lostSocket, keptSocket] = await Promise.all([open(lost.token), open(kept.token)]);
    // Redis loses the session (as a restart without persistence would) while the socket is open.
    assert.equal(await admin.del(`${prefix}session:${lost.session.sessionId}`), 1);
    await lostSocket.silence(150);
    assert.equal(lostSocket.ws.readyState, lostSocket.ws.OPEN, 'no check is due for a minute');

    const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    const id = await redis.client('ID');
    await admin.client('KILL', 'ID', String(id));
    const killedAt = performance.now();
    await ready;
    const closed = await Promise.race([
      lostSocket.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not closed in 1.5 s')), 1500)),
    ]);
    console.log(`closed ${(performance.now() - killedAt).toFixed(0)} ms after the disconnection`);
    assert.deepEqual(closed, { code: 4401, reason: 'the session has expired or was revoked' });

    keptSocket.send({ type: 'ping' });
    assert.deepEqual(await keptSocket.next(), { type: 'pong' });
    assert.equal(keptSocket.ws.readyState, keptSocket.ws.OPEN);
    assert.equal(sockets.connections, 1);
  });

  test('close() stops listening to the sessions client', async () => {
    const before = redis.listenerCount('ready');
    await sockets.close();
    assert.equal(redis.listenerCount('ready'), before - 1);
  });
});
