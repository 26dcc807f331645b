import assert from 'node:assert/strict';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import type { types } from 'mediasoup';
import { loadSfuConfig } from './config.js';
import { WorkerPool, type WorkerSlot } from './worker-pool.js';

const mediaCodecs: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

/** The worker binary is built by `npm test`'s bootstrap; without it this test fails, never skips. */
function config() {
  const bin = process.env.MEDIASOUP_WORKER_BIN;
  if (!bin)
    assert.fail(
      'MEDIASOUP_WORKER_BIN is not set: run the tests with `npm test` (its bootstrap builds the worker ' +
        'and scripts/run-tests.mjs sets it) or set it to what `node scripts/build-mediasoup-worker.mjs` prints',
    );
  return loadSfuConfig({ ...process.env, SFU_RTC_MIN_PORT: '41000', SFU_RTC_MAX_PORT: '41999' });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('worker pool: one worker per core, a router and a WebRTC transport, a killed worker replaced', async () => {
  const pool = await WorkerPool.start(config());
  try {
    assert.equal(pool.size, availableParallelism());
    assert.equal(pool.workers.length, pool.size);
    const pids = pool.workers.map((w) => w.pid);
    assert.equal(new Set(pids).size, pids.length);
    assert.ok(pids.every(processExists));

    const router = await pool.nextWorker().createRouter({ mediaCodecs });
    const codecs = router.rtpCapabilities.codecs ?? [];
    const opus = codecs.find((c) => c.mimeType.toLowerCase() === 'audio/opus');
    const vp8 = codecs.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
    assert.ok(opus && vp8, `opus and VP8 in ${JSON.stringify(codecs.map((c) => c.mimeType))}`);
    assert.equal(opus.clockRate, 48000);
    assert.equal(opus.channels, 2);
    assert.equal(vp8.clockRate, 90000);
    assert.ok(vp8.rtcpFeedback?.some((fb) => fb.type === 'nack'));
    // VP8 gets its retransmission codec, bound to VP8's payload type.
    assert.ok(
      codecs.some(
        (c) => c.mimeType.toLowerCase() === 'video/rtx' && c.parameters?.apt === vp8.preferredPayloadType,
      ),
    );
    assert.ok((router.rtpCapabilities.headerExtensions ?? []).length > 0);

    const transport = await router.createWebRtcTransport({
      listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }],
    });
    const [candidate] = transport.iceCandidates;
    assert.ok(candidate);
    assert.equal(candidate.address, '127.0.0.1');
    assert.equal(candidate.protocol, 'udp');
    assert.ok(candidate.port >= 41000 && candidate.port <= 41999, `port ${candidate.port}`);
    assert.ok(transport.iceParameters.usernameFragment.length > 0);
    assert.ok(transport.dtlsParameters.fingerprints.length > 0);

    // SIGKILL the worker that holds the router: it is replaced in its slot.
    const victim = pool.workers.find((w) => w.pid === pids[0])!;
    const replaced = once(pool, 'replaced') as Promise<[WorkerSlot, (typeof pool.workers)[number]]>;
    const started = performance.now();
    process.kill(victim.pid, 'SIGKILL');
    const [slot, replacement] = await replaced;
    console.log(
      `worker ${victim.pid} replaced by ${replacement.pid} in ${(performance.now() - started).toFixed(0)} ms`,
    );
    assert.equal(slot.index, 0);
    assert.notEqual(replacement.pid, victim.pid);
    assert.ok(victim.died);
    assert.ok(router.closed, 'the dead worker took its router with it');
    assert.equal(pool.workers.length, pool.size);
    assert.ok(processExists(replacement.pid));
    const again = await replacement.createRouter({ mediaCodecs });
    assert.ok(!again.closed);

    const live = pool.workers.map((w) => w.pid);
    await pool.close();
    assert.equal(pool.workers.length, 0);
    assert.ok(
      live.every((pid) => !processExists(pid)),
      'every worker process exited',
    );
    await pool.close(); // idempotent
  } finally {
    await pool.close();
  }
});
