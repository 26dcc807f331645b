import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { publishWithFfmpeg } from './testing/ffmpeg-publisher.js';
import { inLoopbackNamespace, rerunInLoopbackNamespace } from './testing/loopback-namespace.js';
import { commandApi, joinWhenPresent, startMediaStack } from './testing/media-stack.js';
import type { MediaStack } from './testing/media-stack.js';
import { RtpCounter } from './testing/plain-receiver.js';
import { SignalingClient } from './testing/signaling-client.js';
import { metricValue, scrape } from '@meetings/command-service/testing';

/*
 * Plain RTP out: ffmpeg publishes VP8 as the host over a plain send transport, the guest receives
 * it over plain recv transports (createPlainTransport `recv`, connectPlainTransport) on UDP sockets
 * of this test, with RTCP muxed or on a port of its own; and the refusals: a destination that is
 * not the client's own (loopback here), a proxied connection, connecting twice, a transport used
 * the wrong way. The whole stack runs as processes in a loopback-only network namespace, as in
 * sfu-werift-media.e2e.test.ts.
 */

const isolated = inLoopbackNamespace();
if (!isolated) process.exitCode = await rerunInLoopbackNamespace();

let stack: MediaStack;
let wsUrl: string;
const ffmpegs: ChildProcess[] = [];
const clients: SignalingClient[] = [];
const counters: RtpCounter[] = [];

const { ok, user } = commandApi(() => stack.command.baseUrl);

async function connect(token: string, headers?: Record<string, string>): Promise<SignalingClient> {
  const client = await SignalingClient.open(`${wsUrl}?token=${encodeURIComponent(token)}`, headers);
  clients.push(client);
  return client;
}

async function counter(): Promise<RtpCounter> {
  const c = await RtpCounter.open();
  counters.push(c);
  return c;
}

/**
 * Waits until `done` holds (within `ms`), and answers whether it did. Generous: ffmpeg encodes the
 * VP8 it sends in real time, and on a loaded 2-core run 50 packets took longer than 5 s.
 */
async function eventually(done: () => boolean, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return done();
}

/** A started open meeting with its host and a guest joined through the command API. */
async function meetingWithGuest(title: string) {
  const host = await user('host');
  const guest = await user('guest');
  const meetingId = (
    await ok('POST', '/meetings', host.token, {
      title,
      scheduledStartAt: '2030-01-07T09:00:00Z',
      settings: { access: 'open' },
    })
  ).meetingId as string;
  await ok('POST', `/meetings/${meetingId}/join`, host.token);
  await ok('POST', `/meetings/${meetingId}/start`, host.token);
  await ok('POST', `/meetings/${meetingId}/join`, guest.token);
  return { host, guest, meetingId };
}

// The outer process only waits for the one inside the namespace: it must declare no test.
if (isolated) describeTests();

function describeTests() {
  before(async () => {
    stack = await startMediaStack({
      privateServers: true,
      sfuEnv: {
        SFU_PORT: '0',
        SFU_WORKERS: '1',
        SFU_RTC_MIN_PORT: '43000',
        SFU_RTC_MAX_PORT: '43999',
        SFU_NODE_ID: 'sfu-plain-e2e',
      },
    });
    wsUrl = `ws://127.0.0.1:${stack.sfu.port}/ws`;
  });

  after(async () => {
    for (const f of ffmpegs) f.kill('SIGKILL');
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(counters.map((c) => c.close()));
    await stack?.stop();
  });

  // First, on a node that carries nothing yet: the gauges count exactly this test's media.
  test('/metrics on the metrics port counts rooms, transports, producers, consumers and sockets', async () => {
    const listening = stack.sfu.logs.find((l) => l.msg === 'metrics and health listening');
    assert.ok(listening, 'the metrics port is logged');
    const metricsUrl = `http://127.0.0.1:${listening.port as number}`;
    const media = (text: string) =>
      ['sfu_rooms', 'sfu_peers', 'sfu_transports', 'sfu_producers', 'sfu_consumers'].map((name) =>
        metricValue(text, name),
      );
    assert.deepEqual(media(await scrape(metricsUrl)), [0, 0, 0, 0, 0]);
    assert.equal((await fetch(`${metricsUrl}/health/ready`)).status, 200);

    const { host, guest, meetingId } = await meetingWithGuest('metrics');
    const hostSocket = await connect(host.token);
    await joinWhenPresent(hostSocket, meetingId);
    const video = await publishWithFfmpeg(hostSocket, 'video');
    ffmpegs.push(video.ffmpeg);
    const guestSocket = await connect(guest.token);
    const joined = await joinWhenPresent(guestSocket, meetingId);
    const recv = await guestSocket.request('createPlainTransport', { direction: 'recv' });
    await guestSocket.request('consume', {
      transportId: recv.transportId,
      producerId: video.producerId,
      rtpCapabilities: joined.rtpCapabilities,
    });

    const text = await scrape(metricsUrl);
    // Rooms, peers (host, guest), transports (host's send, guest's recv), producers, consumers.
    assert.deepEqual(media(text), [1, 2, 2, 1, 1]);
    assert.equal(metricValue(text, 'websocket_connections', { server: 'signaling', service: 'sfu-node' }), 2);
    assert.equal(metricValue(text, 'sfu_recordings_active'), 0);
    assert.ok(!text.includes(meetingId) && !text.includes(host.userId), 'no ids in labels');
  });

  test('a plain recv transport delivers a consumer to the UDP socket the client names', async () => {
    const { host, guest, meetingId } = await meetingWithGuest('plain out');
    const hostSocket = await connect(host.token);
    await joinWhenPresent(hostSocket, meetingId);
    const video = await publishWithFfmpeg(hostSocket, 'video');
    ffmpegs.push(video.ffmpeg);

    const guestSocket = await connect(guest.token);
    const joined = await joinWhenPresent(guestSocket, meetingId);
    assert.deepEqual(
      joined.producers.map((p: any) => p.producerId),
      [video.producerId],
    );

    // RTCP muxed (the default): RTP and the SFU's sender reports both to one socket.
    const muxed = await counter();
    const t = await guestSocket.request('createPlainTransport', { direction: 'recv' });
    assert.equal(t.ip, '127.0.0.1');
    assert.equal(t.rtcpPort, undefined, 'no port of its own for RTCP');
    assert.deepEqual(
      await guestSocket.request('connectPlainTransport', {
        transportId: t.transportId,
        ip: '127.0.0.1',
        port: muxed.port,
      }),
      {},
    );
    const consumed = await guestSocket.request('consume', {
      transportId: t.transportId,
      producerId: video.producerId,
      rtpCapabilities: joined.rtpCapabilities,
    });
    assert.equal(consumed.kind, 'video');
    assert.equal(consumed.userId, host.userId);
    const ssrc = consumed.rtpParameters.encodings[0].ssrc as number;
    const pt = consumed.rtpParameters.codecs[0].payloadType as number;
    assert.equal(consumed.rtpParameters.codecs[0].mimeType, 'video/VP8');
    // Paused until resumed: nothing flows yet.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(muxed.count(ssrc), 0);
    await guestSocket.request('resumeConsumer', { consumerId: consumed.consumerId });
    // ffmpeg ignores keyframe requests: the first packet waits for its next keyframe (every second).
    assert.ok(await eventually(() => muxed.count(ssrc) >= 50), `RTP packets: ${muxed.count(ssrc)}`);
    assert.deepEqual([...muxed.payloadTypes.get(ssrc)!], [pt]);
    assert.ok(await eventually(() => muxed.rtcp > 0), 'sender reports on the RTP port');

    // RTCP on a port of its own.
    const rtp = await counter();
    const rtcp = await counter();
    const split = await guestSocket.request('createPlainTransport', { direction: 'recv', rtcpMux: false });
    assert.equal(typeof split.rtcpPort, 'number');
    assert.equal(
      await guestSocket.errorOf('connectPlainTransport', {
        transportId: split.transportId,
        ip: '127.0.0.1',
        port: rtp.port,
      }),
      'invalid-params',
    );
    await guestSocket.request('connectPlainTransport', {
      transportId: split.transportId,
      ip: '127.0.0.1',
      port: rtp.port,
      rtcpPort: rtcp.port,
    });
    const second = await guestSocket.request('consume', {
      transportId: split.transportId,
      producerId: video.producerId,
      rtpCapabilities: joined.rtpCapabilities,
    });
    await guestSocket.request('resumeConsumer', { consumerId: second.consumerId });
    const secondSsrc = second.rtpParameters.encodings[0].ssrc as number;
    assert.notEqual(secondSsrc, ssrc, 'a consumer of its own');
    assert.ok(await eventually(() => rtp.count(secondSsrc) >= 50), `RTP packets: ${rtp.count(secondSsrc)}`);
    assert.ok(await eventually(() => rtcp.rtcp > 0), 'sender reports on the RTCP port');
    assert.equal(rtp.rtcp, 0);
    assert.equal(rtcp.rtp.size, 0);

    // Both consumers see the same stream: over the same stretch, about as many packets each
    // (a stretch counted in packets, not seconds: ffmpeg's rate moves with the machine's load).
    const a0 = muxed.count(ssrc);
    const b0 = rtp.count(secondSsrc);
    assert.ok(await eventually(() => muxed.count(ssrc) - a0 >= 60, 15_000), 'the stream goes on');
    const a = muxed.count(ssrc) - a0;
    const b = rtp.count(secondSsrc) - b0;
    assert.ok(Math.abs(a - b) <= Math.max(3, a * 0.05), `${a} vs ${b} packets`);
  });

  test('plain recv transports refuse what they must, each refusal changing nothing', async () => {
    const { host, guest, meetingId } = await meetingWithGuest('plain refusals');
    const hostSocket = await connect(host.token);
    await joinWhenPresent(hostSocket, meetingId);
    const video = await publishWithFfmpeg(hostSocket, 'video');
    ffmpegs.push(video.ffmpeg);
    const client = await connect(guest.token);
    const joined = await joinWhenPresent(client, meetingId);
    const sink = await counter();

    assert.equal(await client.errorOf('createPlainTransport', { direction: 'sideways' }), 'invalid-params');
    assert.equal(
      await client.errorOf('createPlainTransport', { direction: 'send', rtcpMux: true }),
      'invalid-params',
    );
    assert.equal(await client.errorOf('createPlainTransport', { rtcpMux: false }), 'invalid-params');
    const recv = await client.request('createPlainTransport', { direction: 'recv' });
    const id = recv.transportId;
    const connectTo = (params: Record<string, unknown>) =>
      client.errorOf('connectPlainTransport', {
        transportId: id,
        ip: '127.0.0.1',
        port: sink.port,
        ...params,
      });

    // Somewhere else than the client (its connection comes from loopback: loopback only).
    assert.equal(await connectTo({ ip: '10.1.2.3' }), 'destination-not-allowed');
    assert.equal(await connectTo({ ip: '8.8.8.8' }), 'destination-not-allowed');
    assert.equal(await connectTo({ ip: '0.0.0.0' }), 'destination-not-allowed');
    // Not the family the SFU listens on (127.0.0.1).
    assert.equal(await connectTo({ ip: '::1' }), 'destination-not-allowed');
    // A well-known port.
    assert.equal(await connectTo({ port: 53 }), 'destination-not-allowed');
    // Not an address (names are never resolved), a port out of range, RTCP apart on a muxed transport.
    assert.equal(await connectTo({ ip: 'localhost' }), 'invalid-params');
    assert.equal(await connectTo({ port: 70000 }), 'invalid-params');
    assert.equal(await connectTo({ rtcpPort: sink.port + 1 }), 'invalid-params');
    assert.equal(await connectTo({ transportId: 'nope' }), 'transport-not-found');

    // The wrong transports: a plain send one, a WebRTC one; and the plain recv one the wrong way.
    const send = await client.request('createPlainTransport', {});
    assert.equal(typeof send.rtcpPort, 'number', 'a send transport as before');
    assert.equal(await connectTo({ transportId: send.transportId }), 'wrong-transport');
    const webrtc = await client.request('createWebRtcTransport', { direction: 'recv' });
    assert.equal(await connectTo({ transportId: webrtc.transportId }), 'wrong-transport');
    assert.equal(
      await client.errorOf('connectTransport', { transportId: id, dtlsParameters: {} }),
      'wrong-transport',
    );
    assert.equal(
      await client.errorOf('produce', {
        transportId: id,
        kind: 'video',
        rtpParameters: { codecs: [], encodings: [] },
        appData: { source: 'camera' },
      }),
      'wrong-transport',
    );

    // None of these changed anything: it connects, then only once.
    await client.request('connectPlainTransport', { transportId: id, ip: '127.0.0.1', port: sink.port });
    assert.equal(await connectTo({}), 'already-connected');
    assert.equal(await connectTo({ ip: '127.0.0.2' }), 'already-connected');
    const consumed = await client.request('consume', {
      transportId: id,
      producerId: video.producerId,
      rtpCapabilities: joined.rtpCapabilities,
    });
    await client.request('resumeConsumer', { consumerId: consumed.consumerId });
    const ssrc = consumed.rtpParameters.encodings[0].ssrc as number;
    assert.ok(await eventually(() => sink.count(ssrc) > 0), 'RTP to the one destination');

    // A connection that came through a proxy has no address of its own to send to.
    const proxied = await connect(guest.token, { 'x-forwarded-for': '127.0.0.1' });
    await joinWhenPresent(proxied, meetingId); // takes the guest's media over
    const behind = await proxied.request('createPlainTransport', { direction: 'recv' });
    const answer = await proxied.answer('connectPlainTransport', {
      transportId: behind.transportId,
      ip: '127.0.0.1',
      port: sink.port,
    });
    assert.equal(answer.error?.code, 'destination-not-allowed');
    assert.match(answer.error.message, /came through a proxy/);
  });
}
