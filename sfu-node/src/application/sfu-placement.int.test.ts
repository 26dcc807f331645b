import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadSfuConfig } from '../config.js';
import type { Room } from '../domain/room.js';
import { RoomsByHand } from '../testing/rooms-by-hand.js';
import { WorkerPool } from '../worker-pool.js';
import { SignalingError } from './errors.js';
import type { ProducerLog } from './meeting-room.js';
import type { Notification, PeerLink } from './peer-link.js';
import { Sfu } from './sfu.js';

/*
 * The node's side of placement with a real mediasoup worker: a meeting placed elsewhere is refused
 * (`wrong-node`), and a meeting that moves away while its participants are connected closes their
 * sockets with 4412 so that they ask where to go. The room cache is this node's own port, fed here
 * by hand (the e2e tests feed it from Redis).
 */

const MEETING = '6e0f1c2a-0000-4000-8000-000000000001';
const USER = '6e0f1c2a-0000-4000-8000-000000000002';

const roomOn = (sfuNodeId: string | null, version: number): Room => ({
  meetingId: MEETING,
  started: true,
  participants: new Map([[USER, { role: 'host', isMuted: false, isVideoOn: true }]]),
  sfuNodeId,
  recordingId: null,
  version,
});

class RecordingLink implements PeerLink {
  closedWith: { code: number; reason: string } | null = null;
  notify(_message: Notification): void {}
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
}

const noLog: ProducerLog = { published: () => undefined, closed: () => undefined };

test('a node serves unplaced meetings and its own, refuses others, and sends clients away when its meeting moves', async () => {
  const config = loadSfuConfig({
    ...process.env,
    SFU_WORKERS: '1',
    SFU_RTC_MIN_PORT: '41500',
    SFU_RTC_MAX_PORT: '41599',
  });
  const pool = await WorkerPool.start(config);
  const rooms = new RoomsByHand();
  const sfu = new Sfu(
    pool,
    rooms,
    { listenIp: '127.0.0.1', announcedAddress: undefined },
    pino({ level: 'silent' }),
    noLog,
    'sfu-a',
  );
  try {
    rooms.room = roomOn('sfu-b', 5);
    await assert.rejects(
      sfu.join(MEETING, USER, new RecordingLink()),
      (e: unknown) => e instanceof SignalingError && e.code === 'wrong-node' && /sfu-b/.test(e.message),
    );
    assert.deepEqual(await sfu.load(), { rooms: 0, peers: 0 }, 'a refused join leaves no router behind');

    // Not placed yet (or no registry): served here.
    rooms.room = roomOn(null, 5);
    const link = new RecordingLink();
    const { room } = await sfu.join(MEETING, USER, link);
    assert.deepEqual(await sfu.load(), { rooms: 1, peers: 1 });
    // Placed here: nothing changes for the connected client.
    rooms.change(roomOn('sfu-a', 6));
    assert.equal(link.closedWith, null);
    assert.equal(room.closed, false);

    // Placed elsewhere (this node's lease lapsed): the client is told to move, the router goes.
    rooms.change(roomOn('sfu-b', 7));
    // (Read through a fresh binding: the compiler still holds it to the null asserted above.)
    const told = link.closedWith as { code: number; reason: string } | null;
    assert.equal(told?.code, 4412);
    assert.match(told?.reason ?? '', /sfu-b/);
    assert.equal(room.closed, true);
    assert.equal(room.router.closed, true);
    assert.deepEqual(await sfu.load(), { rooms: 0, peers: 0 });
  } finally {
    sfu.close();
    await pool.close();
  }
});
