import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createMetrics } from '@meetings/command-service/http';
import { metricValue } from '@meetings/command-service/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer } from 'kafkajs';
import { PUBLIC_CATEGORIES, topicLayout, topicOf } from '../relay/topics.js';
import { kafkaTestConfig, startKafkaMockBroker } from '../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../testing/mock-topic-admin.js';
import { sleep } from '../runner/sleep.js';
import { kafkaConsumerLag } from './kafka-consumer-lag.js';

// On the librdkafka MOCK broker (a stand-in for Kafka, see testing/kafka-mock-broker.ts).
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let broker: KafkaMockBroker;
let kafka: Kafka;
let admin: Admin;
let consumer: Consumer | undefined;
const topics = PUBLIC_CATEGORIES.map(topicOf);

before(async () => {
  broker = await startKafkaMockBroker();
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(2));
  kafka = new Kafka({ clientId: 'lag-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});
after(async () => {
  await consumer?.disconnect();
  await admin?.disconnect();
  await broker?.stop();
});

test('stand-in (mock broker): consumer lag counts what a group has not committed, 0 once it has', async () => {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topicOf('meeting'),
    messages: Array.from({ length: 5 }, (_, i) => ({ key: `m-${i}`, value: `${i}` })),
  });
  await producer.send({ topic: topicOf('user'), messages: [{ key: 'u', value: 'x' }] });
  await producer.disconnect();

  const groupId = `lag-${randomUUID()}`;
  const registry = createMetrics('projection-workers');
  kafkaConsumerLag(registry, admin, [{ projection: 'meetings', groupId }], topics);
  const lag = async () =>
    metricValue(await registry.metrics(), 'kafka_consumer_lag_messages', { projection: 'meetings' });
  assert.equal(await lag(), 6, 'nothing committed: every message');

  consumer = kafka.consumer({ groupId, ...kafkaTestConfig() });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let seen = 0;
  await consumer.run({
    eachMessage: () => {
      seen += 1;
      return Promise.resolve();
    },
  });
  const deadline = Date.now() + 30_000;
  while ((seen < 6 || (await lag()) !== 0) && Date.now() < deadline) await sleep(100);
  assert.equal(seen, 6);
  assert.equal(await lag(), 0, 'all committed');
});
