import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaTestConfig, startKafkaMockBroker } from './kafka-mock-broker.js';

// Read when the producer is created: the default partitioner (murmur2 on the key) is what we want.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const TOTAL = 300;
const KEYS = 12;
const BATCH = 25;

test(
  'on the librdkafka mock broker: 300 keyed messages from an idempotent producer reach a consumer group, in order per key',
  // The first run on a machine builds the broker (~30-90 s) before the test proper starts.
  { timeout: 240_000 },
  async (t) => {
    const broker = await startKafkaMockBroker();
    const kafka = new Kafka({
      clientId: 'kafka-mock-broker-test',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({
      groupId: `kafka-mock-broker-test-${randomUUID()}`,
      ...kafkaTestConfig(),
    });
    try {
      const topic = `meetings-${randomUUID()}`;
      await broker.createTopic(topic, 3);
      await assert.rejects(broker.createTopic(topic, 3), /already exists/);

      const admin = kafka.admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.disconnect();
      assert.equal(metadata.topics[0]?.partitions.length, 3);

      let started = Date.now();
      await producer.connect();
      const produced = new Map<string, number[]>();
      for (let first = 0; first < TOTAL; first += BATCH) {
        const messages = [];
        for (let seq = first; seq < first + BATCH; seq++) {
          const key = `room-${seq % KEYS}`; // murmur2 puts these 12 keys on all 3 partitions
          produced.set(key, [...(produced.get(key) ?? []), seq]);
          messages.push({ key, value: JSON.stringify({ key, seq }) });
        }
        await producer.send({ topic, acks: -1, messages });
      }
      const produceMs = Date.now() - started;

      started = Date.now();
      const received: { key: string; seq: number; partition: number }[] = [];
      let allArrived!: () => void;
      const arrived = new Promise<void>((resolve) => (allArrived = resolve));
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          const { key, seq } = JSON.parse(message.value!.toString()) as { key: string; seq: number };
          assert.equal(message.key?.toString(), key);
          received.push({ key, seq, partition });
          if (received.length >= TOTAL) allArrived();
          return Promise.resolve();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        arrived,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`only ${received.length} of ${TOTAL} messages arrived within 30 s`)),
            30_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      const consumeMs = Date.now() - started;
      await sleep(300); // duplicates, if any, would arrive now

      assert.equal(received.length, TOTAL);
      for (const [key, sequence] of produced)
        assert.deepEqual(
          received.filter((m) => m.key === key).map((m) => m.seq),
          sequence,
          `order of ${key}`,
        );
      for (const key of produced.keys())
        assert.equal(new Set(received.filter((m) => m.key === key).map((m) => m.partition)).size, 1, key);
      assert.equal(new Set(received.map((m) => m.partition)).size, 3, 'keys spread over the 3 partitions');
      t.diagnostic(`produce ${produceMs} ms, consume (join + fetch) ${consumeMs} ms`);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await broker.stop();
    }
  },
);
