import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { createPool } from '@meetings/db';
import { S3ObjectStore } from '@meetings/storage';
import { startPrivateS3 } from '@meetings/storage/testing';
import type { PrivateS3 } from '@meetings/storage/testing';
import { ffprobe } from './adapters/ffmpeg/ffprobe.js';
import { publishWithFfmpeg } from './testing/ffmpeg-publisher.js';
import { publishWithLevels } from './testing/level-publisher.js';
import type { LevelPublisher } from './testing/level-publisher.js';
import { commandApi, joinWhenPresent, SFU_MAIN, startMediaStack } from './testing/media-stack.js';
import type { MediaStack } from './testing/media-stack.js';
import { SignalingClient } from './testing/signaling-client.js';

/*
 * Recording with the real pieces: a private Ceph radosgw (S3), command-service, projection-workers
 * and an sfu-node process with one mediasoup worker; ffmpeg publishes a tone and a test pattern,
 * the node's recorder (ffmpeg too) writes WebM, uploads it and completes it. Then the ways a
 * recording must not get stuck: its ffmpeg SIGKILLed, the node SIGKILLed and started again under
 * the same name. And the audio-level observer's speaking samples: a tone counts, silence does not.
 * Plain RTP on the loopback only, so no network namespace is needed.
 */

const NODE_ID = 'sfu-rec';

let s3: PrivateS3;
let stack: MediaStack;
let sfu: ServiceUnderTest;
let pool: ReturnType<typeof createPool>;
let dir: string;
const clients: SignalingClient[] = [];
const feeds: ChildProcess[] = [];
const publishers: LevelPublisher[] = [];
/** ffmpeg processes of the recorder a test orphaned (the node was SIGKILLed under them). */
const orphans: number[] = [];

const { ok, user } = commandApi(() => stack.command.baseUrl);

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startSfu(storage = true): Promise<ServiceUnderTest> {
  const s3Env = {
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_REGION: s3.region,
    S3_PART_SIZE_BYTES: String(5 * 1024 * 1024),
  };
  return startProcessUnderTest({
    main: SFU_MAIN,
    readyMessage: 'sfu-node listening',
    shared: stack.shared,
    env: {
      SFU_PORT: '0',
      SFU_WORKERS: '1',
      SFU_RTC_MIN_PORT: '46000',
      SFU_RTC_MAX_PORT: '46199',
      SFU_NODE_ID: NODE_ID,
      SFU_SAMPLE_INTERVAL_MS: '1000',
      RECORDING_SWEEP_INTERVAL_MS: '300',
      RECORDING_DIR: dir,
      ...(storage ? s3Env : {}),
    },
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfu-recordings-'));
  const [privateS3, media] = await Promise.allSettled([
    startPrivateS3(),
    startMediaStack({ commandEnv: { RATE_LIMIT_COMMANDS: '0' } }),
  ]);
  if (privateS3.status === 'fulfilled') s3 = privateS3.value;
  if (media.status === 'fulfilled') stack = media.value;
  if (privateS3.status === 'rejected') throw privateS3.reason;
  if (media.status === 'rejected') throw media.reason;
  pool = createPool({ connectionString: stack.shared.db.url, max: 2 }, console);
  sfu = await startSfu();
});

after(async () => {
  for (const p of publishers) p.stop();
  for (const f of feeds) f.kill('SIGKILL');
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  await Promise.all(clients.map((c) => c.close()));
  await sfu?.terminate();
  await pool?.end();
  await Promise.all([stack?.stop(), s3?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A started open meeting with the host in it, joined on the node's signaling. */
async function meetingWithHost() {
  const host = await user('rec_host');
  const { meetingId } = await ok('POST', '/meetings', host.token, {
    title: 'Recorded',
    scheduledStartAt: '2030-01-07T09:00:00Z',
    settings: { access: 'open' },
  });
  await ok('POST', `/meetings/${meetingId}/join`, host.token);
  await ok('POST', `/meetings/${meetingId}/start`, host.token);
  const client = await SignalingClient.open(
    `ws://127.0.0.1:${sfu.port}/ws?token=${encodeURIComponent(host.token)}`,
  );
  clients.push(client);
  await joinWhenPresent(client, meetingId as string);
  return { host, meetingId: meetingId as string, client };
}

async function publishToneAndPattern(client: SignalingClient): Promise<void> {
  for (const kind of ['audio', 'video'] as const) {
    const { ffmpeg } = await publishWithFfmpeg(client, kind, { seconds: 120 });
    feeds.push(ffmpeg);
  }
}

async function startRecording(meetingId: string, token: string): Promise<string> {
  const { recordingId } = await ok('POST', `/meetings/${meetingId}/recordings`, token);
  return recordingId as string;
}

/** The recorder's ffmpeg for a recording, once the node logged that it records. */
const recorderPid = (node: ServiceUnderTest, recordingId: string) =>
  until(`recording ${recordingId} to start`, () => {
    const line = node.logs.find((l) => l.msg === 'recording started' && l.recordingId === recordingId);
    return Promise.resolve(line ? (line.pid as number) : null);
  });

async function rowOnce(recordingId: string, status: string) {
  return until(`recording ${recordingId} ${status}`, async () => {
    const { rows } = await pool.query(
      `SELECT status, file_path, file_size, duration, format, failure_reason
       FROM meeting_recordings WHERE id = $1`,
      [recordingId],
    );
    const row = rows[0];
    if (row && ['completed', 'failed'].includes(row.status) && row.status !== status) {
      assert.fail(`recording ${recordingId} ended ${row.status}: ${row.failure_reason}`);
    }
    return row?.status === status ? row : null;
  });
}

async function finalEvent(recordingId: string) {
  const { rows } = await pool.query(
    `SELECT type, data, metadata FROM es_events
     WHERE type IN ('RecordingCompleted', 'RecordingFailed') AND data->>'recordingId' = $1`,
    [recordingId],
  );
  assert.equal(rows.length, 1, 'one final event');
  return rows[0];
}

let recorded: Awaited<ReturnType<typeof meetingWithHost>>;

test('a recording of a tone and a test pattern is uploaded with its duration, size and format', async () => {
  recorded = await meetingWithHost();
  const { meetingId, host, client } = recorded;
  await publishToneAndPattern(client);
  const recordingId = await startRecording(meetingId, host.token);
  await recorderPid(sfu, recordingId);
  await sleep(4000);
  await ok('POST', `/meetings/${meetingId}/recordings/${recordingId}/stop`, host.token);

  const row = await rowOnce(recordingId, 'completed');
  assert.match(row.file_path, new RegExp(`^recordings/meeting_${meetingId}/recording_\\d{8}_\\d{6}\\.webm$`));
  assert.equal(row.format, 'webm');
  const final = await finalEvent(recordingId);
  assert.equal(final.type, 'RecordingCompleted');
  assert.equal(final.metadata.correlationId, `sfu:${NODE_ID}`);
  assert.equal(final.metadata.actorUserId, null);

  const store = new S3ObjectStore(s3.config());
  const object = await store.stat(row.file_path);
  assert.ok(object, 'the object is stored');
  assert.equal(object.sizeBytes, Number(row.file_size));
  assert.equal(object.contentType, 'video/webm');
  assert.ok(object.sizeBytes > 20_000, `${object.sizeBytes} bytes for 4 s of 500 kbps video`);
  const log = await store.stat(row.file_path.replace(/\.webm$/, '.log'));
  assert.ok(log && log.sizeBytes > 0, "ffmpeg's log is stored beside it");

  const download = join(dir, 'downloaded.webm');
  await pipeline(await store.get(row.file_path), createWriteStream(download));
  const probed = await ffprobe(download);
  await rm(download);
  assert.match(probed.formatName, /webm/);
  assert.equal(probed.sizeBytes, object.sizeBytes);
  // 4 s between the recorder's start and the stop, plus the stop's way through the projection
  // (generous above: a loaded machine delays the stop, never the media's own clock).
  assert.ok(
    probed.durationSeconds > 3 && probed.durationSeconds < 15,
    `duration ${probed.durationSeconds} s`,
  );
  assert.equal(row.duration, Math.round(Number(final.data.durationSeconds)));
  assert.ok(Math.abs(Number(final.data.durationSeconds) - probed.durationSeconds) < 0.01);
  assert.deepEqual(await readdir(dir), [], 'the local files are removed after the upload');
});

test('the recorder SIGKILLed mid-recording fails the recording at once', async () => {
  const { meetingId, host } = recorded;
  const recordingId = await startRecording(meetingId, host.token);
  const pid = await recorderPid(sfu, recordingId);
  await sleep(1000);
  process.kill(pid, 'SIGKILL');
  const row = await rowOnce(recordingId, 'failed');
  assert.match(row.failure_reason, /^ffmpeg-killed: SIGKILL/);
  assert.equal((await finalEvent(recordingId)).metadata.correlationId, `sfu:${NODE_ID}`);
  // It ended without a stop: the next test starts another recording of the same meeting.
});

test('a node that dies while recording fails the recording when it starts again', async () => {
  const { meetingId, host } = recorded;
  const recordingId = await startRecording(meetingId, host.token);
  const pid = await recorderPid(sfu, recordingId);
  orphans.push(pid);
  await sfu.kill();
  process.kill(pid, 'SIGKILL');
  assert.ok((await readdir(dir)).includes(`${recordingId}.json`), 'its manifest is left behind');
  sfu = await startSfu();
  const row = await rowOnce(recordingId, 'failed');
  assert.equal(row.failure_reason, 'recorder-restarted');
  assert.ok(!(await readdir(dir)).includes(`${recordingId}.json`));
});

test('a recording stopped before anyone connected to the node fails with no-media', async () => {
  const host = await user('rec_empty');
  const { meetingId } = await ok('POST', '/meetings', host.token, {
    title: 'Nobody here',
    scheduledStartAt: '2030-01-07T09:00:00Z',
  });
  await ok('POST', `/meetings/${meetingId}/join`, host.token);
  await ok('POST', `/meetings/${meetingId}/start`, host.token);
  const recordingId = await startRecording(meetingId as string, host.token);
  await sleep(1000);
  await ok('POST', `/meetings/${meetingId}/recordings/${recordingId}/stop`, host.token);
  const row = await rowOnce(recordingId, 'failed');
  assert.match(row.failure_reason, /^no-media/);
});

let speaking: Awaited<ReturnType<typeof meetingWithHost>>;

test('speaking samples: a tone counts as speaking, silence never samples', async () => {
  speaking = await meetingWithHost();
  const { meetingId, client } = speaking;
  const tone = await publishWithLevels(client, 'sine', 33333333);
  const silence = await publishWithLevels(client, 'silence', 44444444);
  publishers.push(tone, silence);
  const samples = await until('speaking samples of the tone', async () => {
    const { rows } = await pool.query(
      `SELECT data FROM es_events WHERE stream_id = $1 AND type = 'ParticipantSpeakingSampled'`,
      [`media-${meetingId}`],
    );
    return rows.length >= 2 ? rows.map((r) => r.data) : null;
  });
  for (const s of samples) {
    assert.equal(s.producerId, tone.producerId, 'only the tone is speaking');
    assert.ok(s.speakingMs > 0 && s.speakingMs <= s.windowMs, JSON.stringify(s));
  }
  // The media-streams projection skips the new event type; nothing is dead-lettered.
  await sleep(500);
  const dead = await pool.query('SELECT projection, event_type, error FROM projection_dead_letters');
  assert.deepEqual(dead.rows, []);
});

test('a meeting that ends while recording stops the recording, which completes', async () => {
  const { meetingId, host } = speaking;
  const recordingId = await startRecording(meetingId, host.token);
  await recorderPid(sfu, recordingId);
  await sleep(2000);
  await ok('POST', `/meetings/${meetingId}/end`, host.token);
  const row = await rowOnce(recordingId, 'completed');
  assert.ok(row.duration >= 1 && row.duration <= 15, `duration ${row.duration} s`);
  const { rows } = await pool.query(
    `SELECT type FROM es_events WHERE stream_id = $1 AND type LIKE 'Recording%' ORDER BY stream_version`,
    [`meeting-${meetingId}`],
  );
  assert.deepEqual(
    rows.map((r) => r.type),
    ['RecordingStarted', 'RecordingStopped', 'RecordingCompleted'],
  );
});

test('a node without object storage fails a recording at once (storage-not-configured)', async () => {
  await sfu.terminate();
  sfu = await startSfu(false);
  assert.ok(sfu.logs.some((l) => /S3_ENDPOINT is not set/.test(String(l.msg))));
  const host = await user('rec_nostore');
  const { meetingId } = await ok('POST', '/meetings', host.token, {
    title: 'No storage',
    scheduledStartAt: '2030-01-07T09:00:00Z',
  });
  await ok('POST', `/meetings/${meetingId}/join`, host.token);
  await ok('POST', `/meetings/${meetingId}/start`, host.token);
  const recordingId = await startRecording(meetingId as string, host.token);
  const row = await rowOnce(recordingId, 'failed');
  assert.equal(row.failure_reason, 'storage-not-configured');
});
