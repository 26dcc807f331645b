import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createPool, PostgresEventStore } from '@meetings/db';
import { publishWithFfmpeg } from './testing/ffmpeg-publisher.js';
import { inLoopbackNamespace, rerunInLoopbackNamespace } from './testing/loopback-namespace.js';
import { commandApi, joinWhenPresent, startMediaStack } from './testing/media-stack.js';
import type { MediaStack } from './testing/media-stack.js';
import { SignalingClient } from './testing/signaling-client.js';
import { receiveAll } from './testing/werift-receiver.js';

/*
 * The SFU as it runs: command-service, projection-workers and sfu-node as processes, a werift
 * peer receiving over ICE + DTLS + SRTP what ffmpeg publishes as the host (plain RTP), and the
 * command API's mute, video-off, removal and end enforced on the media. Everything runs inside a
 * loopback-only network namespace (the file re-runs itself under `unshare -n`), with a private
 * PostgreSQL and Redis started in there: the host's 127.0.0.1 servers are not reachable from it.
 */

const isolated = inLoopbackNamespace();
if (!isolated) process.exitCode = await rerunInLoopbackNamespace();

let stack: MediaStack;
let wsUrl: string;
let pool: ReturnType<typeof createPool>;
const ffmpegs: ChildProcess[] = [];
const NODE_ID = 'sfu-e2e';
const clients: SignalingClient[] = [];

const { ok, user } = commandApi(() => stack.command.baseUrl);

async function connect(token?: string): Promise<SignalingClient> {
  const client = await SignalingClient.open(token ? `${wsUrl}?token=${encodeURIComponent(token)}` : wsUrl);
  clients.push(client);
  return client;
}

/** How many packets of `kind` arrive within `ms`. */
async function arriving(received: { audio: number; video: number }, kind: 'audio' | 'video', ms: number) {
  const start = received[kind];
  await new Promise((r) => setTimeout(r, ms));
  return received[kind] - start;
}

/** The meeting's media_streams rows, once `done` holds of them (within 10 s). */
async function mediaStreams(meetingId: string, done: (rows: any[]) => boolean): Promise<any[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await pool.query(
      'SELECT producer_id, stream_type, codec, status, close_reason, sfu_node_id, user_id, last_sampled_at FROM media_streams WHERE meeting_id = $1 ORDER BY stream_type',
      [meetingId],
    );
    if (done(rows)) return rows;
    if (Date.now() > deadline) assert.fail(`media_streams: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
        SFU_RTC_MIN_PORT: '42000',
        SFU_RTC_MAX_PORT: '42999',
        SFU_RECONNECT_GRACE_MS: '300',
        SFU_NODE_ID: NODE_ID,
        SFU_SAMPLE_INTERVAL_MS: '1000',
      },
    });
    wsUrl = `ws://127.0.0.1:${stack.sfu.port}/ws`;
    pool = createPool({ connectionString: stack.command.db.url, max: 2 }, console);
  });

  after(async () => {
    for (const f of ffmpegs) f.kill('SIGKILL');
    await Promise.all(clients.map((c) => c.close()));
    await pool?.end();
    await stack?.stop();
  });

  test('signaling refuses what it must, each error an answer that changes nothing', async () => {
    const host = await user('host');
    const stranger = await user('stranger');
    const meetingId = (
      await ok('POST', '/meetings', host.token, {
        title: 'refusals',
        scheduledStartAt: '2030-01-07T09:00:00Z',
        settings: { access: 'open' },
      })
    ).meetingId as string;

    for (const token of [undefined, 'not-a-token']) {
      const client = await connect(token);
      assert.deepEqual(await client.closed, {
        code: 4401,
        reason: token ? 'the session has expired or was revoked' : 'no token',
      });
    }

    const client = await connect(host.token);
    client.sendRaw('{not json');
    client.sendRaw(JSON.stringify({ method: 'join' }));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      client.stray.map((a) => [a.id, a.error.code]),
      [
        [null, 'invalid-message'],
        [null, 'invalid-message'],
      ],
    );
    assert.equal(await client.errorOf('fly'), 'unknown-method');
    assert.equal(await client.errorOf('join', { meetingId: 'nope' }), 'invalid-params');
    assert.equal(await client.errorOf('createWebRtcTransport', { direction: 'send' }), 'not-joined');
    // Scheduled, host joined, not started: the room says 'waiting'.
    await ok('POST', `/meetings/${meetingId}/join`, host.token);
    assert.equal(await client.errorOf('join', { meetingId }), 'meeting-not-started');
    await ok('POST', `/meetings/${meetingId}/start`, host.token);
    const joined = await joinWhenPresent(client, meetingId);
    assert.ok(joined.rtpCapabilities.codecs.length > 0);
    assert.deepEqual(joined.producers, []);
    assert.equal(await client.errorOf('join', { meetingId }), 'already-joined');
    assert.equal(await client.errorOf('createWebRtcTransport', { direction: 'sideways' }), 'invalid-params');
    assert.equal(
      await client.errorOf('connectTransport', { transportId: 'x', dtlsParameters: {} }),
      'transport-not-found',
    );
    assert.equal(await client.errorOf('pauseProducer', { producerId: 'x' }), 'producer-not-found');
    assert.equal(await client.errorOf('resumeConsumer', { consumerId: 'x' }), 'consumer-not-found');
    const send = await client.request('createWebRtcTransport', { direction: 'send' });
    assert.equal(send.iceCandidates[0].address, '127.0.0.1');
    assert.equal(
      await client.errorOf('consume', {
        transportId: send.transportId,
        producerId: 'x',
        rtpCapabilities: joined.rtpCapabilities,
      }),
      'wrong-transport',
    );
    const plain = await client.request('createPlainTransport', {});
    assert.equal(
      await client.errorOf('produce', {
        transportId: plain.transportId,
        kind: 'audio',
        rtpParameters: { codecs: [] },
        appData: { source: 'mic' },
      }),
      'media-rejected',
    );
    assert.equal(
      await client.errorOf('produce', {
        transportId: plain.transportId,
        kind: 'video',
        rtpParameters: {},
        appData: { source: 'mic' },
      }),
      'invalid-params',
    );

    // Signed in, but never joined the meeting.
    const other = await connect(stranger.token);
    assert.equal(await other.errorOf('join', { meetingId }), 'not-a-participant');
    // After each refusal the connection still works.
    assert.deepEqual(
      (await client.request('getRouterRtpCapabilities')).codecs,
      joined.rtpCapabilities.codecs,
    );
  });

  test('a werift peer receives ffmpeg media; mute, video-off, removal and the end are enforced', async () => {
    const host = await user('host');
    const guest = await user('guest');
    const meetingId = (
      await ok('POST', '/meetings', host.token, {
        title: 'media',
        scheduledStartAt: '2030-01-07T09:00:00Z',
        settings: { access: 'open' },
      })
    ).meetingId as string;
    await ok('POST', `/meetings/${meetingId}/join`, host.token);
    await ok('POST', `/meetings/${meetingId}/start`, host.token);
    await ok('POST', `/meetings/${meetingId}/join`, guest.token);

    const hostSocket = await connect(host.token);
    await joinWhenPresent(hostSocket, meetingId);
    const audio = await publishWithFfmpeg(hostSocket, 'audio');
    ffmpegs.push(audio.ffmpeg);
    const audioId = audio.producerId;
    const video = await publishWithFfmpeg(hostSocket, 'video');
    ffmpegs.push(video.ffmpeg);
    const videoId = video.producerId;

    // The SFU published both producers as media streams, projected into media_streams.
    const active = await mediaStreams(meetingId, (rows) => rows.length === 2);
    assert.deepEqual(
      active.map((r) => [r.producer_id, r.stream_type, r.codec, r.status, r.sfu_node_id, r.user_id]),
      [
        [audioId, 'audio', 'opus', 'active', NODE_ID, host.userId],
        [videoId, 'video', 'VP8', 'active', NODE_ID, host.userId],
      ],
    );

    const started = performance.now();
    const guestSocket = await connect(guest.token);
    const joined = await joinWhenPresent(guestSocket, meetingId);
    assert.deepEqual(
      joined.producers.map((p: any) => [p.producerId, p.userId, p.kind, p.source]).sort(),
      [
        [audioId, host.userId, 'audio', 'mic'],
        [videoId, host.userId, 'video', 'camera'],
      ].sort(),
    );
    const receiver = await receiveAll(guestSocket, joined.rtpCapabilities, [audioId, videoId]);
    try {
      const deadline = Date.now() + 10_000;
      while ((receiver.received.audio === 0 || receiver.received.video === 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      console.log(`join to first audio+video packet: ${(performance.now() - started).toFixed(0)} ms`);
      assert.ok(
        receiver.received.audio > 0 && receiver.received.video > 0,
        JSON.stringify(receiver.received),
      );

      // The host mutes themself through the command API: the SFU pauses the microphone.
      await ok('POST', `/meetings/${meetingId}/participants/${host.userId}/mute`, host.token);
      const paused = await guestSocket.notification((n) => n.notification === 'producerPaused');
      assert.deepEqual(paused.data, { producerId: audioId, userId: host.userId, by: 'meeting' });
      await new Promise((r) => setTimeout(r, 200)); // packets already on their way
      assert.equal(await arriving(receiver.received, 'audio', 800), 0);
      assert.ok((await arriving(receiver.received, 'video', 500)) > 0, 'video carries on');
      // The owner cannot resume what the meeting paused.
      assert.equal(await hostSocket.errorOf('resumeProducer', { producerId: audioId }), 'paused-by-meeting');

      await ok('POST', `/meetings/${meetingId}/participants/${host.userId}/unmute`, host.token);
      await guestSocket.notification(
        (n) => n.notification === 'producerResumed' && n.data.producerId === audioId,
      );
      assert.ok((await arriving(receiver.received, 'audio', 800)) > 0, 'audio again after unmute');

      await ok('POST', `/meetings/${meetingId}/participants/${host.userId}/video-off`, host.token);
      await guestSocket.notification(
        (n) => n.notification === 'producerPaused' && n.data.producerId === videoId,
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await arriving(receiver.received, 'video', 800), 0);
      assert.ok((await arriving(receiver.received, 'audio', 500)) > 0, 'audio carries on');

      // The guest's signaling drops; reconnecting within the grace period keeps their media.
      guestSocket.ws.terminate();
      await guestSocket.closed;
      const again = await connect(guest.token);
      const resumed = await again.request('join', { meetingId });
      assert.equal(resumed.resumed.transportIds.length, 1);
      assert.equal(resumed.resumed.consumerIds.length, 2);
      assert.ok((await arriving(receiver.received, 'audio', 500)) > 0, 'media through the grace period');

      // Removed with a ban: disconnected, and refused when coming back.
      await ok('POST', `/meetings/${meetingId}/participants/${guest.userId}/remove`, host.token, {
        ban: true,
      });
      assert.equal((await again.closed).code, 4403);
      await hostSocket.notification((n) => n.notification === 'peerLeft' && n.data.userId === guest.userId);
      const back = await connect(guest.token);
      assert.equal(await back.errorOf('join', { meetingId }), 'not-a-participant');

      await ok('POST', `/meetings/${meetingId}/end`, host.token);
      // Ending lets everyone leave first (one event each, then MeetingEnded): the host is no longer
      // present, and the router of the meeting, its last peer gone, is closed.
      assert.equal((await hostSocket.closed).code, 4403);
      const closedRouter = () =>
        stack.sfu.logs.some((l) => l.msg === 'meeting router closed' && l.meetingId === meetingId);
      const until = Date.now() + 2000;
      while (!closedRouter() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.ok(closedRouter(), 'the router is closed');
      const late = await connect(host.token);
      assert.equal(await late.errorOf('join', { meetingId }), 'meeting-not-started');

      // The host left as the meeting ended: both streams closed, sampled while they flowed.
      const closed = await mediaStreams(meetingId, (rows) => rows.every((r) => r.status === 'closed'));
      assert.deepEqual(
        closed.map((r) => [r.producer_id, r.status, r.close_reason]),
        [
          [audioId, 'closed', 'participant_left'],
          [videoId, 'closed', 'participant_left'],
        ],
      );
      assert.ok(
        closed.every((r) => r.last_sampled_at !== null),
        'quality samples were projected',
      );
      // In the meeting's media stream, written by the SFU under its own identity, not a user's.
      const events = await new PostgresEventStore(pool).readStream(`media-${meetingId}`);
      const count = (type: string) => events.filter((e) => e.type === type).length;
      assert.equal(count('MediaStreamPublished'), 2);
      assert.equal(count('MediaStreamClosed'), 2);
      assert.ok(count('MediaStreamQualitySampled') >= 2, `samples: ${count('MediaStreamQualitySampled')}`);
      assert.equal(events.at(-1)!.type, 'MediaStreamClosed');
      for (const e of events) {
        assert.deepEqual(
          [e.metadata.correlationId, e.metadata.actorUserId],
          [`sfu:${NODE_ID}`, null],
          e.type,
        );
      }
      const published = events.filter((e) => e.type === 'MediaStreamPublished').map((e) => e.data as any);
      assert.deepEqual(
        published.map((d) => [d.producerId, d.sfuNodeId]).sort(),
        [
          [audioId, NODE_ID],
          [videoId, NODE_ID],
        ].sort(),
      );
    } finally {
      await receiver.close();
    }
  });
}
