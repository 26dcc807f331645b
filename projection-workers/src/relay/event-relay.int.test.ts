import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ASYNC_COMMIT, PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { privateCategories, streamCategory } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { header } from '../adapters/kafka/event-message.js';
import { KafkaPublisher } from '../adapters/kafka/kafka-publisher.js';
import { startKafkaMockBroker } from '../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../testing/mock-topic-admin.js';
import { runScenario } from '../testing/scenario.js';
import type { EventPublisher } from './ports.js';
import { topicLayout } from './topics.js';
import { postgresRelay } from './postgres-relay.js';
import { assertEachStreamInOrder, consumeDomainTopics, publicEventCount } from '../testing/domain-topics.js';

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

test('on the librdkafka mock broker: the relay publishes every public event once, each stream in order', async () => {
  const store = new PostgresEventStore(pool);
  await runScenario(store, { seed: 7, users: 40, meetings: 60, events: 3000 });
  const expected = await publicEventCount(pool);

  const publisher = new KafkaPublisher(kafka);
  await publisher.connect();
  const controller = new AbortController();
  const running = relayWith(publisher, 'relay-once').run(controller.signal);
  const seen = await consumeDomainTopics(kafka, { messages: expected });
  controller.abort();
  await running;
  await publisher.disconnect();

  assert.equal(seen.length, expected);
  assert.equal(new Set(seen.map((s) => s.event.eventId)).size, expected, 'no duplicates');
  for (const { event, key, headers } of seen) {
    assert.equal(header(headers, 'event-id'), event.eventId);
    assert.equal(key, event.streamId);
    assert.ok(!privateCategories.includes(streamCategory(event.streamId)), `${event.streamId} is private`);
  }
  assertEachStreamInOrder(seen);
});
