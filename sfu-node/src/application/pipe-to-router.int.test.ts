import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadSfuConfig } from '../config.js';
import type { PresentParticipant, Room } from '../domain/room.js';
import { RoomsByHand } from '../testing/rooms-by-hand.js';
import { spawnVp8Feed, VP8_FEED_RTP_PARAMETERS } from '../testing/ffmpeg-publisher.js';
import { plainReceiverCapabilities, RtpCounter } from '../testing/plain-receiver.js';
import { WorkerPool } from '../worker-pool.js';
import type { MeetingRoom, ProducerLog } from './meeting-room.js';
import type { Peer } from './peer.js';
import type { Notification, PeerLink } from './peer-link.js';
import { Sfu } from './sfu.js';

/*
 * A meeting spread over two workers: with one peer per router, the second peer's transports are on
 * a router on the other worker, the first peer's producers piped to it (pipeToRouter). Real RTP
 * (ffmpeg, VP8, plain transports on 127.0.0.1) crosses the pipe; the meeting's enforcement pauses
 * the original producer and the remote consumer sees it; closing the producer closes the remote
 * consumer. A worker dying takes only its router's peers (1012); one joining again gets a router on
 * the replacement worker, with the producers still open piped to it. The room cache is fed by hand.
 */

const MEETING = '6e0f1c2a-0000-4000-8000-000000000101';
const HOST = '6e0f1c2a-0000-4000-8000-000000000102';
const GUEST = '6e0f1c2a-0000-4000-8000-000000000103';
const THIRD = '6e0f1c2a-0000-4000-8000-000000000104';

const present = (host: Partial<PresentParticipant>, version: number): Room => ({
  meetingId: MEETING,
  started: true,
  participants: new Map<string, PresentParticipant>([
    [HOST, { role: 'host', isMuted: false, isVideoOn: true, ...host }],
    [GUEST, { role: 'participant', isMuted: false, isVideoOn: true }],
    [THIRD, { role: 'participant', isMuted: false, isVideoOn: true }],
  ]),
  sfuNodeId: null,
  recordingId: null,
  version,
});

class RecordingLink implements PeerLink {
  closedWith: { code: number; reason: string } | null = null;
  readonly notifications: Notification[] = [];
  notify(message: Notification): void {
    this.notifications.push(message);
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  saw(kind: Notification['notification'], producerId: string): boolean {
    return this.notifications.some(
      (n) => n.notification === kind && 'producerId' in n.data && n.data.producerId === producerId,
    );
  }
}

const noLog: ProducerLog = { published: () => undefined, closed: () => undefined };

/** Waits until `done` holds (within `ms`), and answers whether it did. */
async function eventually(done: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return done();
}

/** The router of the peer's transports, and the worker it runs in. */
function placementOf(room: MeetingRoom, peer: Peer) {
  const [entry] = peer.transports.values();
  const placed = room.routers.placed.find((p) => p.router === entry?.router);
  assert.ok(placed, `${peer.userId} has a transport on a router of the meeting`);
  return placed;
}

const OPUS = {
  codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 101, rtcpFeedback: [] }],
  encodings: [{ ssrc: 11111111 }],
};

test('a meeting outgrowing a router spreads over workers: media, pauses and closes cross the pipe', async () => {
  const config = loadSfuConfig({
    ...process.env,
    SFU_WORKERS: '2',
    SFU_RTC_MIN_PORT: '41700',
    SFU_RTC_MAX_PORT: '41799',
    SFU_MAX_PEERS_PER_ROUTER: '1',
  });
  assert.equal(config.maxPeersPerRouter, 1);
  const pool = await WorkerPool.start(config);
  const rooms = new RoomsByHand();
  const media = { listenIp: '127.0.0.1', announcedAddress: undefined };
  const sfu = new Sfu(pool, rooms, media, pino({ level: 'silent' }), noLog, 'sfu-a', {
    maxPeersPerRouter: config.maxPeersPerRouter,
  });
  const counter = await RtpCounter.open();
  let ffmpeg: ChildProcess | undefined;
  try {
    rooms.room = present({}, 1);
    const links = { host: new RecordingLink(), guest: new RecordingLink(), third: new RecordingLink() };
    const { room, peer: host } = await sfu.join(MEETING, HOST, links.host);
    const { peer: guest } = await sfu.join(MEETING, GUEST, links.guest);
    const { peer: third } = await sfu.join(MEETING, THIRD, links.third);
    assert.deepEqual(await sfu.load(), { rooms: 1, peers: 3 });

    // The host's router is the first; the guest's, past the cap, is on the other worker.
    const send = await room.createPlainTransport(host, 'send');
    const recv = await room.createPlainTransport(guest, 'recv');
    const [first, second] = [placementOf(room, host), placementOf(room, guest)];
    assert.notEqual(first.router, second.router);
    assert.notEqual(first.workerPid, second.workerPid);
    assert.deepEqual(
      new Set(pool.workers.map((w) => w.pid)),
      new Set([first.workerPid, second.workerPid]),
      'the routers are on the pool workers',
    );
    assert.deepEqual(
      sfu.routerCounts(),
      new Map([
        [first.workerPid, 1],
        [second.workerPid, 1],
      ]),
    );
    // Every worker holds a router of the meeting: the third peer goes over the cap, on one of them.
    const thirdRecv = await room.createPlainTransport(third, 'recv');
    assert.equal(room.routers.placed.length, 2);
    assert.ok([first.router, second.router].includes(placementOf(room, third).router));
    assert.equal(
      room.router.rtpCapabilities.codecs?.length,
      second.router.rtpCapabilities.codecs?.length,
      'the routers share their capabilities',
    );

    // The host publishes VP8 (ffmpeg) and a mic; the guest receives the camera over plain RTP.
    const camera = await room.produce(host, send.transportId, 'video', VP8_FEED_RTP_PARAMETERS, 'camera');
    const micSend = await room.createPlainTransport(host, 'send');
    const mic = await room.produce(host, micSend.transportId, 'audio', OPUS, 'mic');
    assert.ok(links.guest.saw('newProducer', camera.producerId));
    ffmpeg = spawnVp8Feed(send.port, send.rtcpPort!, { size: '320x240', bitrate: '300k' });
    await room.connectPlainTransport(
      guest,
      recv.transportId,
      { ip: '127.0.0.1', port: counter.port },
      '127.0.0.1',
    );
    const capabilities = plainReceiverCapabilities(room.router.rtpCapabilities);
    const consumed = await room.consume(guest, recv.transportId, camera.producerId, capabilities);
    const cameraConsumer = guest.consumer(consumed.consumerId);
    await cameraConsumer.resume();
    const micConsumer = guest.consumer(
      (await room.consume(guest, recv.transportId, mic.producerId, capabilities)).consumerId,
    );
    // Same producer ids on the guest's router: piped there, not made there.
    const dump = await second.router.dump();
    const onSecond = new Set(dump.mapProducerIdConsumerIds.map((e) => e.key));
    assert.ok(onSecond.has(camera.producerId) && onSecond.has(mic.producerId), 'both producers piped');
    assert.ok(
      dump.mapProducerIdConsumerIds.some(
        (e) => e.key === camera.producerId && e.values.includes(cameraConsumer.id),
      ),
    );
    const ssrc = consumed.rtpParameters.encodings![0]!.ssrc!;
    assert.ok(
      await eventually(() => counter.count(ssrc) >= 30, 15_000),
      `RTP across the pipe: ${counter.count(ssrc)}`,
    );
    // The third peer consumes on its own router too.
    await room.consume(third, thirdRecv.transportId, camera.producerId, capabilities);

    // The meeting mutes the host and turns their video off: the originals pause, the pipe follows.
    rooms.change(present({ isMuted: true, isVideoOn: false }, 2));
    assert.ok(
      await eventually(() => cameraConsumer.producerPaused && micConsumer.producerPaused),
      'remote consumers paused',
    );
    assert.ok(
      links.guest.saw('producerPaused', camera.producerId) &&
        links.guest.saw('producerPaused', mic.producerId),
    );
    await new Promise((r) => setTimeout(r, 300));
    const whilePaused = counter.count(ssrc);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(counter.count(ssrc), whilePaused, 'no RTP while paused');
    rooms.change(present({}, 3));
    assert.ok(
      await eventually(() => !cameraConsumer.producerPaused && !micConsumer.producerPaused),
      'remote consumers resumed',
    );
    assert.ok(
      await eventually(() => counter.count(ssrc) > whilePaused + 10, 15_000),
      'RTP again after the resume',
    );

    // Closing the camera closes the remote consumer; the guest hears of it.
    host.producer(camera.producerId).producer.close();
    assert.ok(await eventually(() => cameraConsumer.closed), 'remote consumer closed');
    assert.ok(links.guest.saw('producerClosed', camera.producerId));
    assert.equal(guest.consumers.has(cameraConsumer.id), false);

    // The guest's worker dies: only the peers of its router go (1012), the meeting stays.
    const peersOnSecond = room.routers.placed.find((p) => p.router === second.router)!.peers;
    process.kill(second.workerPid, 'SIGKILL');
    assert.ok(await eventually(() => links.guest.closedWith !== null), 'the guest is told');
    assert.equal(links.guest.closedWith?.code, 1012);
    assert.equal(links.host.closedWith, null);
    assert.equal(room.closed, false);
    assert.equal(room.peers.size, 3 - peersOnSecond);
    assert.equal(room.routers.placed.length, 1);
    assert.deepEqual(sfu.routerCounts(), new Map([[first.workerPid, 1]]));

    // Joining again once the worker is replaced: a router on the new worker, the mic piped to it.
    assert.ok(await eventually(() => pool.workers.length === 2, 10_000), 'the worker is replaced');
    const again = await sfu.join(MEETING, GUEST, new RecordingLink());
    assert.equal(again.room, room);
    const recvAgain = await room.createPlainTransport(again.peer, 'recv');
    const renewed = placementOf(room, again.peer);
    assert.notEqual(renewed.workerPid, first.workerPid);
    assert.notEqual(renewed.workerPid, second.workerPid);
    // Piped as the router was added, before anyone consumed it there.
    const renewedDump = await renewed.router.dump();
    assert.ok(renewedDump.mapProducerIdConsumerIds.some((e) => e.key === mic.producerId));
    const micAgain = await room.consume(again.peer, recvAgain.transportId, mic.producerId, capabilities);
    assert.equal(micAgain.producerId, mic.producerId);
    assert.equal(micAgain.producerPaused, false);

    // The meeting ends: every router closes and the counts go back to nothing.
    rooms.change({ ...present({}, 4), started: false, participants: new Map() });
    assert.equal(room.closed, true);
    assert.equal(first.router.closed && renewed.router.closed, true);
    assert.deepEqual(sfu.routerCounts(), new Map());
    assert.deepEqual(await sfu.load(), { rooms: 0, peers: 0 });
  } finally {
    ffmpeg?.kill('SIGKILL');
    await counter.close();
    sfu.close();
    await pool.close();
  }
});
