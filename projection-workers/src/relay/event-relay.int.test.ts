import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ASYNC_COMMIT, PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { privateCategories, streamCategory } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { fromMessage, header } from '../adapters/kafka/event-message.js';
import { KafkaPublisher } from '../adapters/kafka/kafka-publisher.js';
import { kafkaTestConfig, startKafkaMockBroker } from '../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../testing/mock-topic-admin.js';
import { runScenario } from '../testing/scenario.js';
import type { EventPublisher } from './ports.js';
import { PUBLIC_CATEGORIES, topicLayout, topicOf } from './topics.js';
import { postgresRelay } from './postgres-relay.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const logger = pino({ level: 'silent' });
let db: TestDatabase;
let pool: pg.Pool;
let broker: KafkaMockBroker;
let kafka: Kafka;

before(async () => {
  [db, broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
  pool = new pg.Pool({ connectionString: db.url, max: 6, ...ASYNC_COMMIT });
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(4));
  kafka = new Kafka({ clientId: 'relay-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
});
after(async () => {
  pool.on('error', () => undefined);
  await pool.end();
  await Promise.all([db.drop(), broker.stop()]);
});

function relayWith(publisher: EventPublisher, name: string, lockKey = name) {
  return postgresRelay({
    pool,
    databaseUrl: db.url,
    publisher,
    logger,
    batchSize: 300,
    pollIntervalMs: 10,
    lockKey,
    lockRetryMs: 100,
    name,
  });
}

/** Every message of the domain topics, in partition order, until `count` have arrived. */
async function consumeAll(count: number): Promise<{ streamId: string; version: number; eventId: string }[]> {
  const consumer = kafka.consumer({
    groupId: `relay-test-${Date.now()}-${Math.random()}`,
    ...kafkaTestConfig(),
  });
  await consumer.connect();
  await consumer.subscribe({ topics: PUBLIC_CATEGORIES.map(topicOf), fromBeginning: true });
  const seen: { streamId: string; version: number; eventId: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} messages`)), 60_000);
    void consumer.run({
      eachMessage: ({ message }) => {
        const event = fromMessage(message.value);
        assert.equal(header(message.headers, 'event-id'), event.eventId);
        assert.equal(message.key?.toString(), event.streamId);
        seen.push({ streamId: event.streamId, version: event.streamVersion, eventId: event.eventId });
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

test('on the librdkafka mock broker: the relay publishes every public event once, each stream in order', async () => {
  const store = new PostgresEventStore(pool);
  await runScenario(store, { seed: 7, users: 40, meetings: 60, events: 3000 });
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM es_events WHERE split_part(stream_id, '-', 1) <> ALL($1::text[])`,
    [privateCategories],
  );
  const expected = rows[0]!.n;

  const publisher = new KafkaPublisher(kafka);
  await publisher.connect();
  const controller = new AbortController();
  const running = relayWith(publisher, 'relay-once').run(controller.signal);
  const seen = await consumeAll(expected);
  controller.abort();
  await running;
  await publisher.disconnect();

  assert.equal(seen.length, expected);
  assert.equal(new Set(seen.map((s) => s.eventId)).size, expected, 'no duplicates');
  assert.ok(seen.every((s) => !privateCategories.includes(streamCategory(s.streamId))));
  const last = new Map<string, number>();
  for (const { streamId, version } of seen) {
    assert.equal(version, (last.get(streamId) ?? 0) + 1, `${streamId} out of order`);
    last.set(streamId, version);
  }
});
