import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { streams } from '@meetings/events';
import { startKafkaMockBroker } from '@meetings/projection-workers/testing/kafka-mock-broker';
import type { KafkaMockBroker } from '@meetings/projection-workers/testing/kafka-mock-broker';
import {
  createRelayTopics,
  startKafkaProfile,
  startKafkaRelay,
} from '@meetings/projection-workers/testing/kafka-profile';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { apiClient, assertProblem } from '../testing/http.js';
import type { Get } from '../testing/http.js';
import { LiveLog } from '../testing/live-log.js';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';

// Read-your-writes on the Kafka path (README "Kafka"), on librdkafka's mock broker (a stand-in:
// no real Kafka can run here). query-api is a process; the relay and the Kafka-fed projections
// run in this process on the same database and Redis prefix; LiveLog only appends.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const TIMEOUT_MS = 6000;
const logger = pino({ level: 'silent' });

let api: QueryApiUnderTest;
let broker: KafkaMockBroker;
let fx: ReadModelFixture;
let log: LiveLog;
let pool: pg.Pool;
let kafka: Kafka;
let get: Get;
let host: TestViewer;
const relayStop = new AbortController();
let relay: Promise<void> = Promise.resolve();
let stopProjections: (() => Promise<void>) | null = null;

before(async () => {
  [api, broker] = await Promise.all([
    startQueryApi({ READ_YOUR_WRITES_TIMEOUT_MS: String(TIMEOUT_MS) }),
    startKafkaMockBroker(),
  ]);
  await createRelayTopics(broker, 4);
  fx = new ReadModelFixture(api.db.url, api.redisUrl, api.redisPrefix);
  log = new LiveLog(api.db.url, api.redisUrl, api.redisPrefix);
  pool = new pg.Pool({ connectionString: api.db.url, max: 10 });
  pool.on('error', () => undefined);
  kafka = new Kafka({ clientId: 'ryw-kafka-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  get = apiClient(api.baseUrl);
  host = await fx.session(randomUUID());
  ({ stopped: relay } = await startKafkaRelay(
    { kafka, pool, databaseUrl: api.db.url, logger },
    relayStop.signal,
  ));
});

after(async () => {
  await stopProjections?.();
  relayStop.abort();
  await relay.catch(() => undefined);
  await pool?.end();
  await log?.close();
  await fx?.close();
  await Promise.all([api?.stop(), broker?.stop()]);
});

const groupPrefix = `ryw-kafka-${Date.now()}.`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startProjections(): Promise<() => Promise<void>> {
  return startKafkaProfile({
    kafka,
    pool,
    databaseUrl: api.db.url,
    redisUrl: api.redisUrl,
    redisPrefix: api.redisPrefix,
    groupPrefix,
    logger,
    withRelay: false,
  });
}

function schedule(meetingId: string, title: string): Promise<number> {
  return log.append(streams.meeting(meetingId), 'MeetingScheduled', {
    meetingId,
    hostId: host.userId,
    title,
    description: null,
    scheduledStartAt: '2030-05-01T10:00:00Z',
    scheduledEndAt: null,
    maxParticipants: 10,
    settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
    passcodeVersion: null,
  });
}

/** Until the relay has published `position` (its checkpoint at or past it). */
async function relayed(position: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await pool.query(
      `SELECT 1 FROM projection_checkpoints c, es_events e
       WHERE c.projection = 'kafka-relay' AND e.global_position = $1
         AND (c.transaction_id, c.global_position) >= (e.transaction_id::text::bigint, e.global_position)`,
      [position],
    );
    if (rows.length > 0) return;
    await sleep(20);
  }
  throw new Error(`the relay never published position ${position}`);
}

test('on the librdkafka mock broker: a minPosition read waits for the Kafka-fed read model, then answers with the write', async () => {
  const meetingId = randomUUID();
  const position = await schedule(meetingId, 'Through Kafka');
  await relayed(position);
  const started = Date.now();
  const waiting = get(`/meetings/${meetingId}?minPosition=${position}`, host.token);
  let answered = false;
  void waiting.then(() => (answered = true));
  await sleep(300);
  assert.equal(answered, false, 'published, but no projection consumes yet: the read waits');
  stopProjections = await startProjections();
  const res = await waiting;
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.title, 'Through Kafka');
  assert.ok(Date.now() - started < TIMEOUT_MS + 1000);

  // It came through Kafka: the projection has offsets, no log checkpoint; the relay recorded
  // where its batches ended.
  const checkpoints = await pool.query(
    `SELECT projection FROM projection_checkpoints WHERE projection = 'meetings'`,
  );
  assert.equal(checkpoints.rows.length, 0);
  const offsets = await pool.query(
    `SELECT count(*)::int AS n FROM projection_kafka_offsets WHERE projection = 'meetings'`,
  );
  assert.ok(offsets.rows[0].n > 0);
  const relayedRows = await pool.query('SELECT count(*)::int AS n FROM relay_offsets');
  assert.ok(relayedRows.rows[0].n > 0);

  // Steady state: a write read back at once, on every partition's terms (4 partitions, 1 message).
  for (let i = 0; i < 5; i++) {
    const id = randomUUID();
    const next = await schedule(id, `Next ${i}`);
    const read = await get(`/meetings/${id}?minPosition=${next}`, host.token);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.title, `Next ${i}`);
  }
});

test('on the librdkafka mock broker: a position the Kafka-fed read model has not applied is a 503 after the bounded wait', async () => {
  assert.ok(stopProjections, 'the first test started the projections');
  await stopProjections();
  stopProjections = null;
  const meetingId = randomUUID();
  const position = await schedule(meetingId, 'Not yet consumed');
  await relayed(position);
  const started = Date.now();
  const res = await get(`/meetings/${meetingId}?minPosition=${position}`, host.token);
  const elapsed = Date.now() - started;
  const body = assertProblem(res, 503, 'projection-lagging');
  assert.equal(body.minPosition, position);
  assert.ok(body.projections.includes('meetings'), JSON.stringify(body));
  assert.ok(elapsed >= TIMEOUT_MS - 100, `answered after ${elapsed} ms`);

  // The consumers resume from their committed offsets, and the same read then succeeds.
  stopProjections = await startProjections();
  const again = await get(`/meetings/${meetingId}?minPosition=${position}`, host.token);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.title, 'Not yet consumed');
});
