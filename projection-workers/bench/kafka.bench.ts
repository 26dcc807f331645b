/**
 * npm run bench:kafka — the Kafka path (relay → Kafka → projectors) beside the local profile
 * (projectors reading the event store's log), in the same run, on the same machine:
 *  1. throughput: a backlog of BENCH_EVENTS events projected into every read model, events/s;
 *  2. lag: chat messages appended at BENCH_RATE/s, from the append's commit (es_events.recorded_at)
 *     to the start of the transaction that wrote its row (signaling_messages.updated_at), p50/p99.
 * Kafka here is librdkafka's mock cluster (no real broker installs on these machines): it shows
 * what the relay, the consumers and the projectors cost, not what a Kafka cluster adds.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { currentSchemaVersion, streams } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { kafkaRunnerSources } from '../src/adapters/kafka/kafka-runner-sources.js';
import { KafkaPublisher } from '../src/adapters/kafka/kafka-publisher.js';
import { PostgresAppliedOffsets } from '../src/adapters/postgres/postgres-applied-offsets.js';
import { PostgresDeadLetterStore } from '../src/adapters/postgres/postgres-dead-letter-store.js';
import { createProjections, createRunners, projectionNames } from '../src/projections.js';
import type { RunnerSources } from '../src/projections.js';
import { PUBLIC_CATEGORIES, topicLayout, topicOf } from '../src/relay/topics.js';
import { ProjectionWorker } from '../src/runner/projection-worker.js';
import { waitUntilCaughtUp } from '../src/testing/caught-up.js';
import { kafkaTestConfig, startKafkaMockBroker } from '../src/testing/kafka-mock-broker.js';
import { copyEventLog } from '../src/testing/log-copy.js';
import { convergedReadModels, readModels } from '../src/testing/local-profile.js';
import { runScenario } from '../src/testing/scenario.js';
import { postgresRelay } from '../src/relay/postgres-relay.js';
import { publicEventCount } from '../src/testing/domain-topics.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const logger = pino({ level: 'silent' });
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Profile {
  db: TestDatabase;
  pool: pg.Pool;
  redis: Redis;
  prefix: string;
  worker?: ProjectionWorker;
}

async function profile(): Promise<Profile> {
  const db = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 12 });
  pool.on('error', () => undefined);
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  return { db, pool, prefix, redis: new Redis(redisUrl, { keyPrefix: prefix }) };
}

function startWorker(p: Profile, sources?: RunnerSources): ProjectionWorker {
  const deps = {
    pool: p.pool,
    redis: p.redis,
    redisKeyPrefix: p.prefix,
    logger,
    batchSize: 2000,
    pollIntervalMs: 20,
    maxAttempts: 3,
    notifyMaxAgeSeconds: 600,
  };
  p.worker = new ProjectionWorker(createRunners(deps, createProjections(deps), sources), logger);
  p.worker.start();
  return p.worker;
}

const percentile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/** Appends one chat message a tick to each store, at RATE per second, for SECONDS. */
async function chatter(stores: PostgresEventStore[]): Promise<number> {
  const meetingId = randomUUID();
  const stream = streams.meeting(meetingId);
  const started = performance.now();
  let sent = 0;
  for (let i = 0; i < RATE * SECONDS; i++) {
    const wait = started + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const event = {
      eventId: randomUUID(),
      type: 'ChatMessageSent',
      schemaVersion: currentSchemaVersion('ChatMessageSent'),
      data: {
        meetingId,
        messageId: randomUUID(),
        senderId: randomUUID(),
        recipientId: null,
        text: `lag ${i}`,
      },
      metadata: { correlationId: randomUUID(), causationId: null, actorUserId: null, idempotencyKey: null },
      occurredAt: new Date(),
    };
    await Promise.all(stores.map((s) => s.appendToStream(stream, [event], i)));
    sent += 1;
  }
  return sent;
}

/** Per chat message of the lag phase: its row's write minus its event's commit, in ms. */
async function lags(pool: pg.Pool, count: number): Promise<number[]> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM signaling_messages WHERE content LIKE 'lag %'`,
    );
    if (rows[0]!.n >= count) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const { rows } = await pool.query<{ ms: number }>(
    `SELECT extract(epoch FROM m.updated_at - e.recorded_at) * 1000 AS ms
     FROM signaling_messages m JOIN es_events e ON e.data->>'messageId' = m.id::text
     WHERE m.content LIKE 'lag %'`,
  );
  return rows.map((r) => Number(r.ms));
}

/**
 * Every projection's consumer group has committed the end of every partition, and those hold
 * every public event: the Kafka path has applied the whole backlog.
 */
async function consumedEverything(kafka: Kafka, groupPrefix: string, publicEvents: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = PUBLIC_CATEGORIES.map(topicOf);
    for (;;) {
      const ends = await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
      const end = new Map(
        ends.flatMap((partitions, i) =>
          partitions.map((p) => [`${topics[i]}/${p.partition}`, Number(p.high)]),
        ),
      );
      const published = [...end.values()].reduce((a, b) => a + b, 0);
      let done = published >= publicEvents;
      for (const name of projectionNames()) {
        if (!done) break;
        const groups = await admin.fetchOffsets({ groupId: `${groupPrefix}${name}`, topics });
        for (const { topic, partitions } of groups)
          for (const p of partitions)
            if (Number(p.offset) < end.get(`${topic}/${p.partition}`)!) done = false;
      }
      if (done) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await admin.disconnect();
  }
}

const [local, viaKafka] = await Promise.all([profile(), profile()]);
const broker = await startKafkaMockBroker();
const kafka = new Kafka({ clientId: 'bench', brokers: broker.brokers, logLevel: logLevel.NOTHING });
const publisher = new KafkaPublisher(kafka);
const dlqProducer = kafka.producer();
const stop = new AbortController();
let relay: Promise<void> | null = null;
try {
  for (const topic of topicLayout(6)) await broker.createTopic(topic.name, topic.partitions);
  await Promise.all([publisher.connect(), dlqProducer.connect()]);
  let t = Date.now();
  const { events } = await runScenario(new PostgresEventStore(viaKafka.pool), {
    seed: 42,
    users: 100,
    meetings: 250,
    events: EVENTS,
  });
  await copyEventLog(viaKafka.pool, local.pool);
  console.log(`generated ${events} events in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // 1. Throughput: the local profile first, then the Kafka path, on the same log.
  t = Date.now();
  startWorker(local);
  await waitUntilCaughtUp(local.pool, redisUrl, local.prefix, projectionNames());
  const localSeconds = (Date.now() - t) / 1000;
  const expected = await readModels(local.pool, local.prefix);

  t = Date.now();
  const groupPrefix = `bench-${Date.now()}.`;
  relay = postgresRelay({
    pool: viaKafka.pool,
    databaseUrl: viaKafka.db.url,
    publisher,
    logger,
    batchSize: 1000,
    lockRetryMs: 100,
  }).run(stop.signal);
  startWorker(
    viaKafka,
    kafkaRunnerSources({
      kafka,
      producer: dlqProducer,
      table: new PostgresDeadLetterStore(viaKafka.pool),
      appliedOffsets: new PostgresAppliedOffsets(viaKafka.pool),
      logger,
      groupPrefix,
      consumer: kafkaTestConfig(),
    }),
  );
  await consumedEverything(kafka, groupPrefix, await publicEventCount(viaKafka.pool));
  const kafkaSeconds = (Date.now() - t) / 1000;
  // Checked once, after the clock stopped: dumping every read model is no cheap poll.
  const got = await convergedReadModels(viaKafka.pool, viaKafka.prefix, expected, 60_000);
  if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error('the Kafka path did not converge');

  // 2. Lag: a steady stream of chat messages into both, each profile running.
  const sent = await chatter([new PostgresEventStore(local.pool), new PostgresEventStore(viaKafka.pool)]);
  const [localLag, kafkaLag] = await Promise.all([lags(local.pool, sent), lags(viaKafka.pool, sent)]);

  console.log(`projection of ${events} events into every read model (PostgreSQL tables, Redis room cache)`);
  console.log(
    `  local profile (event store log): ${(events / localSeconds).toFixed(0)} events/s (${localSeconds.toFixed(1)} s)`,
  );
  console.log(
    `  relay → Kafka → projectors:      ${(events / kafkaSeconds).toFixed(0)} events/s (${kafkaSeconds.toFixed(1)} s)`,
  );
  console.log(`  ratio: ${(localSeconds / kafkaSeconds).toFixed(2)}x of the local profile`);
  console.log(`lag at ${RATE} events/s for ${SECONDS} s, append committed → row written (ms)`);
  console.log(
    `  local profile:  p50 ${percentile(localLag, 0.5).toFixed(1)}  p99 ${percentile(localLag, 0.99).toFixed(1)}  (${localLag.length} messages)`,
  );
  console.log(
    `  through Kafka:  p50 ${percentile(kafkaLag, 0.5).toFixed(1)}  p99 ${percentile(kafkaLag, 0.99).toFixed(1)}  (${kafkaLag.length} messages)`,
  );
} finally {
  stop.abort();
  await relay?.catch(() => undefined);
  await Promise.all([local.worker?.stop(), viaKafka.worker?.stop()]);
  await Promise.allSettled([publisher.disconnect(), dlqProducer.disconnect()]);
  for (const p of [local, viaKafka]) {
    p.redis.disconnect();
    await p.pool.end();
    await Promise.all([p.db.drop(), deleteKeys(redisUrl, p.prefix)]);
  }
  await broker.stop();
}
