import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { DEFAULT_SETTINGS } from '@meetings/command-service/domain';
import { streams } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresDeadLetterStore } from '../postgres/postgres-dead-letter-store.js';
import { createProjections, createRunners } from '../../projections.js';
import { dlqOf, topicLayout, topicOf } from '../../relay/topics.js';
import { ProjectionWorker } from '../../runner/projection-worker.js';
import { EventFactory } from '../../testing/event-factory.js';
import { kafkaTestConfig, startKafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../../testing/mock-topic-admin.js';
import { header, toMessage } from './event-message.js';
import { kafkaRunnerSources } from './kafka-runner-sources.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const logger = pino({ level: 'silent' });
let db: TestDatabase;
let pool: pg.Pool;
let broker: KafkaMockBroker;

before(async () => {
  [db, broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(2));
});
after(async () => {
  pool.on('error', () => undefined);
  await pool.end();
  await Promise.all([db.drop(), broker.stop()]);
});

test('on the librdkafka mock broker: poison messages go to the DLQ topic with their coordinates, later events apply', async () => {
  const kafka = new Kafka({ clientId: 'dlq-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const f = new EventFactory();
  const [meetingId, host] = [randomUUID(), randomUUID()];
  const stream = streams.meeting(meetingId);
  const scheduled = f.event(stream, 'MeetingScheduled', {
    meetingId,
    hostId: host,
    title: 'Standup',
    description: null,
    scheduledStartAt: '2030-01-01T09:00:00.000Z',
    scheduledEndAt: null,
    maxParticipants: 10,
    settings: DEFAULT_SETTINGS,
    passcodeVersion: null,
  });
  // Valid JSON, but data its schema refuses: the runner cannot decode it.
  const invalid = {
    ...f.event(stream, 'MeetingStarted', { meetingId, startedBy: host }),
    data: { meetingId: 42 },
  };
  const started = f.event(stream, 'MeetingStarted', { meetingId, startedBy: host });
  const topic = topicOf('meeting');
  await producer.send({
    topic,
    messages: [
      toMessage(scheduled),
      toMessage(invalid),
      { key: stream, value: 'not an event', headers: { type: 'MeetingUpdated' } },
      toMessage(started),
    ],
  });

  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  const deps = {
    pool,
    redis,
    redisKeyPrefix: '',
    logger,
    batchSize: 100,
    pollIntervalMs: 10,
    maxAttempts: 2,
    notifyMaxAgeSeconds: 600,
  };
  const sources = kafkaRunnerSources({
    kafka,
    producer,
    table: new PostgresDeadLetterStore(pool),
    logger,
    groupPrefix: `dlq-test-${Date.now()}.`,
    consumer: kafkaTestConfig(),
  });
  const meetings = createProjections(deps).filter((p) => p.projector.name === 'meetings');
  const worker = new ProjectionWorker(createRunners(deps, meetings, sources), logger);
  worker.start();

  // The poison messages land in the DLQ with where they came from.
  const consumer = kafka.consumer({ groupId: `dlq-reader-${Date.now()}`, ...kafkaTestConfig() });
  await consumer.connect();
  await consumer.subscribe({ topics: [dlqOf(topic)], fromBeginning: true });
  const dead: Record<string, string | undefined>[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${dead.length} dead letters`)), 30_000);
    void consumer.run({
      eachMessage: ({ message }) => {
        dead.push(
          Object.fromEntries(
            ['dlq-error', 'dlq-projection', 'original-topic', 'original-offset', 'event-id'].map((h) => [
              h,
              header(message.headers, h),
            ]),
          ),
        );
        if (dead.length === 2) {
          clearTimeout(timer);
          resolve();
        }
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  // The events after them applied: the meeting started.
  for (let i = 0; i < 100; i++) {
    const { rows } = await pool.query<{ status: string }>('SELECT status FROM meetings WHERE id = $1', [
      meetingId,
    ]);
    if (rows[0]?.status === 'started') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await worker.stop();
  await producer.disconnect();
  redis.disconnect();

  const { rows } = await pool.query<{ status: string }>('SELECT status FROM meetings WHERE id = $1', [
    meetingId,
  ]);
  assert.equal(rows[0]?.status, 'started');
  // The unreadable one is sent on as the source meets it, the undecodable one by the runner.
  const byOffset = new Map(dead.map((d) => [d['original-offset'], d]));
  assert.deepEqual([...byOffset.keys()].sort(), ['1', '2']);
  assert.equal(byOffset.get('1')!['event-id'], invalid.eventId);
  assert.match(byOffset.get('2')!['dlq-error']!, /JSON/);
  for (const d of dead) {
    assert.equal(d['dlq-projection'], 'meetings');
    assert.equal(d['original-topic'], topic);
    assert.ok(d['dlq-error'], 'the error travels with the message');
  }
  // The decodable one is listed for ops too.
  const listed = await new PostgresDeadLetterStore(pool).list({ projection: 'meetings' });
  assert.deepEqual(
    listed.map((l) => l.eventId),
    [invalid.eventId],
  );
});
