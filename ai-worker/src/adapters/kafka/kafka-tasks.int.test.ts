import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import {
  kafkaTestConfig,
  startKafkaMockBroker,
} from '@meetings/projection-workers/testing/kafka-mock-broker';
import type { KafkaMockBroker } from '@meetings/projection-workers/testing/kafka-mock-broker';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { speakingTime } from '../../analyses/speaking-time.js';
import { startAiWorker } from '../../service.js';
import {
  meetingFixture,
  requestTask,
  runAiTasksProjection,
  silent,
  taskEvents,
  testConfig,
  waitForRow,
} from '../../testing/harness.js';
import { TASKS_DLQ_TOPIC, TASKS_TOPIC } from './topics.js';

// Kafka transport on the librdkafka MOCK broker (not a real Kafka; see kafka-mock-broker.ts):
// dispatcher → `meeting.tasks` → consumer group → outcome, and `meeting.tasks.dlq`.
let db: TestDatabase;
let broker: KafkaMockBroker;
let pool: pg.Pool;
let stopProjection: () => Promise<void>;
const HOST = randomUUID();

before(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  [db, broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
  await Promise.all([broker.createTopic(TASKS_TOPIC, 2), broker.createTopic(TASKS_DLQ_TOPIC, 2)]);
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  stopProjection = runAiTasksProjection(pool);
});

after(async () => {
  await stopProjection?.();
  await pool?.end();
  await Promise.allSettled([db?.drop(), broker?.stop()]);
});

/** The dead letters of `meeting.tasks.dlq`, read from the start by a fresh group. */
async function deadLetters(count: number): Promise<{ value: string; error: string }[]> {
  const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}`, ...kafkaTestConfig() });
  const found: { value: string; error: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TASKS_DLQ_TOPIC], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${found.length} dead letters`)), 20_000);
      void consumer.run({
        eachMessage: ({ message }) => {
          found.push({ value: message.value!.toString(), error: String(message.headers?.error) });
          if (found.length >= count) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}

test('mock-broker: a task is dispatched onto meeting.tasks, consumed and completed; a failing one lands in meeting.tasks.dlq', async () => {
  const store = new PostgresEventStore(pool);
  const meetingId = await meetingFixture(store, HOST);
  const good = await requestTask(store, meetingId, HOST, 'speaking_time', 3);
  const bad = await requestTask(store, meetingId, HOST, 'emotion_detection', 6);
  const failing = {
    type: 'emotion_detection' as const,
    run: () => Promise.reject(new Error('model unavailable')),
  };
  const config = testConfig(db.url, { KAFKA_BROKERS: broker.brokers.join(','), AI_TASK_MAX_ATTEMPTS: '2' });
  const worker = await startAiWorker(config, silent, {
    workerId: 'kafka-1',
    analyses: [speakingTime, failing],
    kafkaConsumer: kafkaTestConfig(),
  });
  try {
    const done = await waitForRow(pool, good, (r) => r.status === 'completed', 30_000);
    assert.deepEqual(done.output, {
      results: [
        { userId: null, analysisType: 'speaking_time', result: { totalSpeakingMs: 0, participants: 0 } },
      ],
    });
    assert.ok(done.dispatched_at instanceof Date && done.settled_at instanceof Date);
    const failed = await waitForRow(pool, bad, (r) => r.status === 'failed', 30_000);
    assert.equal(failed.attempts, 2);
    assert.ok(failed.dead_lettered_at instanceof Date);
    const [letter] = await deadLetters(1);
    assert.equal(JSON.parse(letter!.value).taskId, bad);
    assert.equal(letter!.error, 'Error: model unavailable');
    assert.deepEqual(
      (await taskEvents(store, good)).map((e) => e.type),
      ['AiTaskRequested', 'AiTaskStarted', 'AiTaskCompleted'],
    );
  } finally {
    await worker.stop();
  }
});
