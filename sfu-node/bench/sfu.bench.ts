/**
 * npm run bench:sfu — consumer capacity of one mediasoup worker through the project's signaling
 * and SFU, beside raw mediasoup in the same run; then join time.
 *
 * It re-runs itself inside a loopback-only network namespace (as the e2e tests: unshare -n, as
 * root) with a private PostgreSQL and Redis, and command-service, projection-workers and sfu-node
 * (SFU_WORKERS=1) as processes. One ffmpeg VP8 feed (testsrc 640x480, 30 fps, -b:v 1M, a keyframe
 * every second, as infra/mediasoup/capacity.mjs) goes through a UDP relay in this process to the
 * side being measured, and to nothing in between:
 *
 * - project: the host publishes it through the signaling (createPlainTransport + produce); each
 *   consumer is a participant of its own (a user registered and joined to the meeting through the
 *   command API, with its own WebSocket), receiving over a plain recv transport of its own
 *   (createPlainTransport `recv`, connectPlainTransport, consume, resumeConsumer). A meeting holds
 *   1000 participants: past 999 consumers, participants take several transports each.
 * - raw: a mediasoup worker of the same binary driven directly by this process, as capacity.mjs:
 *   a router with the same codecs, the same plain transports, producer and consumers.
 *
 * Both sides consume with the capabilities of a plain-RTP receiver (plainReceiverCapabilities: no
 * RTX, NACK nor congestion feedback, which such a receiver never sends). Every consumer sends to
 * one of 16 UDP sockets read by a thread of this process, counting packets per SSRC.
 *
 * For each N of BENCH_SFU_STEPS (50,100,200,400,800), both sides are grown to N consumers, get the
 * feed for BENCH_SFU_SETTLE_SECONDS each (new consumers wait for a keyframe), then are measured in
 * the order raw, project, project, raw (drift on this shared machine hits both alike), each window
 * BENCH_SFU_WINDOW_SECONDS of feed between two silences: every packet relayed in a window has
 * arrived, or is lost, before the counters are read. Delivery, per consumer: packets received over
 * packets fed; a side passes N when every consumer got ≥ 99%, and is not grown past a failure.
 * CPU: user + system time of the worker process over the windows (/proc/<pid>/stat), as % of one
 * core, and the sfu-node process's own (signaling, Node.js). Socket drops (/proc/net/udp, this
 * namespace only) tell where packets were lost: at this process's receiving sockets (the bench fell
 * behind), at the producer's input socket (the worker fell behind: a keyframe arrives from ffmpeg
 * as one unpaced burst of some 30-60 packets), or elsewhere.
 *
 * overhead = (project worker CPU − raw worker CPU) / raw worker CPU, at the largest N both sides
 * delivered (the cap, when both reach it); when one side fails before the other, the difference
 * in consumer capacity is printed as well. BENCH_SFU_DEBUG=1 prints every window.
 *
 * Join time: BENCH_SFU_JOINS (50) sequential joins of a werift peer, each a participant of its
 * own, after BENCH_SFU_JOIN_WARMUP (3) unmeasured ones, with no other consumer left: from opening
 * the WebSocket (before its handshake) through join, createWebRtcTransport, consume (audio and
 * video), ICE + DTLS, resumeConsumer, to the first RTP packet received. An opus feed is published
 * for it: the first video packet waits for ffmpeg's next keyframe (ffmpeg answers no keyframe
 * request: up to a second later), and is printed apart. The joins start at random moments (0-1 s
 * apart) relative to the keyframes.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { types } from 'mediasoup';
import { inLoopbackNamespace, rerunInLoopbackNamespace } from '../src/testing/loopback-namespace.js';
import type { SignalingClient } from '../src/testing/signaling-client.js';
import { runCapacitySteps } from './capacity-steps.js';
import { closeCommandApi } from './command-api.js';
import { measureJoins } from './join-time.js';
import { load, log } from './output.js';
import { registerParticipants } from './participants.js';
import { projectSide } from './project-side.js';
import type { Viewer } from './project-side.js';
import { rawSide, startRawWorker } from './raw-side.js';
import { Relay } from './relay.js';
import { logSummary } from './report.js';
import { GRACE_MS, JOIN_WARMUP, JOINS, MAX_PARTICIPANTS, STEPS } from './settings.js';
import { Sink } from './sink.js';
import { mediasoupWorkerBin, startStack, stopStack } from './stack.js';
import type { Stack } from './stack.js';
import { Windows } from './windows.js';

async function main(): Promise<void> {
  const stack: Stack = { services: [] };
  const children: ChildProcess[] = [];
  const clients: SignalingClient[] = [];
  const relay = new Relay();
  let rawWorker: types.Worker | undefined;
  let sink: Sink | undefined;
  process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  try {
    log(`bench:sfu — load average at start: ${load()}`);
    const workerBin = mediasoupWorkerBin();
    const { command, sfuPid, sfuWorkerPid, wsUrl } = await startStack(stack, workerBin);

    // Participants: the host, and one per consumer up to the meeting's limit (the joiners of the
    // join phase are the first of them, once they have left).
    const maxN = Math.max(...STEPS);
    const joinCount = JOIN_WARMUP + JOINS;
    const viewerCount = Math.min(maxN, MAX_PARTICIPANTS - 1);
    const { host, meetingId, users } = await registerParticipants(
      command.baseUrl,
      Math.max(viewerCount, joinCount),
    );
    const viewers: Viewer[] = users.slice(0, viewerCount).map((u) => ({ ...u, client: null }));

    sink = new Sink(maxN);
    const sinkPorts = await sink.ports;
    children.push(await relay.start());
    rawWorker = await startRawWorker(workerBin);
    const raw = await rawSide(rawWorker, sink, sinkPorts);
    const { project, hostClient } = await projectSide({
      wsUrl,
      meetingId,
      host,
      viewers,
      sfuPid,
      sfuWorkerPid,
      sink,
      sinkPorts,
      clients,
    });

    const feed = await relay.rate(raw.input);
    log(`feed: VP8 640x480 30 fps, ${feed.kbps.toFixed(0)} kbit/s, ${feed.pps.toFixed(0)} packets/s`);
    log('');
    await runCapacitySteps(raw, project, new Windows(relay, sink, sinkPorts));

    // Join time, with no other consumer: the viewers leave (their media goes after the grace
    // period), the raw worker closes; the feed goes to the project's producer alone.
    await Promise.all(viewers.flatMap((v) => (v.client ? [v.client.close()] : [])));
    rawWorker.close();
    await sleep(GRACE_MS + 2000);
    relay.target = project.input;
    const { firstRtp, firstVideo } = await measureJoins({
      wsUrl,
      meetingId,
      hostClient,
      users: users.slice(0, joinCount),
      children,
    });

    logSummary({ feed, raw, project, firstRtp, firstVideo });
  } catch (error) {
    console.error('bench failed:', error);
    const errors = stack.services.flatMap((s) => s.logs.filter((l) => Number(l.level) >= 50));
    if (errors.length) console.error('service errors:', JSON.stringify(errors.slice(0, 5), null, 1));
    process.exitCode = 1;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    rawWorker?.close();
    await sink?.terminate();
    relay.close();
    closeCommandApi();
    await stopStack(stack);
  }
}

if (inLoopbackNamespace()) await main();
else process.exitCode = await rerunInLoopbackNamespace();
