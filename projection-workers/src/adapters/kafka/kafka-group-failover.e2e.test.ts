import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { topicLayout } from '../../relay/topics.js';
import { startKafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../../testing/mock-topic-admin.js';
import { convergedReadModels, localProfileOf } from '../../testing/local-profile.js';
import { runScenario } from '../../testing/scenario.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { postgresRelay } from '../../relay/postgres-relay.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const MAIN = fileURLToPath(new URL('../../main.ts', import.meta.url));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = `test:${randomBytes(6).toString('hex')}:`;
let db: TestDatabase;
let pool: pg.Pool;
let broker: KafkaMockBroker;
const workers: ChildProcess[] = [];

before(async () => {
  [db, broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
  pool = new pg.Pool({ connectionString: db.url, max: 8 });
  pool.on('error', () => undefined);
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(6));
});
after(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await pool.end();
  await Promise.all([db.drop(), broker.stop(), deleteKeys(redisUrl, redisPrefix)]);
});

/** A projection-workers process in the full profile, in the test's consumer groups. */
function startWorker(groupPrefix: string): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_GROUP_PREFIX: groupPrefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      PROJECTION_BATCH_SIZE: '200',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(child);
  return child;
}

test(
  'on the librdkafka mock broker: two workers in one group, one SIGKILLed: the other takes its partitions, nothing lost or applied twice',
  { timeout: 300_000 },
  async () => {
    await runScenario(new PostgresEventStore(pool), { seed: 77, users: 60, meetings: 120, events: 8000 });
    const logger = pino({ level: 'silent' });
    const kafka = new Kafka({ clientId: 'group-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const publisher = new KafkaPublisher(kafka);
    await publisher.connect();
    const stop = new AbortController();
    const relay = postgresRelay({
      pool,
      databaseUrl: db.url,
      publisher,
      logger,
      batchSize: 500,
      pollIntervalMs: 10,
      lockRetryMs: 100,
    }).run(stop.signal);

    const group = `group-test-${Date.now()}.`;
    const [doomed, survivor] = [startWorker(group), startWorker(group)];
    // Let both join and start applying, then kill one without a goodbye to the group.
    await new Promise((r) => setTimeout(r, 4000));
    doomed.kill('SIGKILL');

    const expected = await localProfileOf(pool);
    const got = await convergedReadModels(pool, redisPrefix, expected, 180_000);
    stop.abort();
    await relay;
    await publisher.disconnect();
    assert.equal(survivor.exitCode, null, 'the survivor is still running');
    survivor.kill('SIGTERM');

    for (const table of Object.keys(expected.tables))
      assert.deepEqual(got.tables[table], expected.tables[table], `${table} equals the local profile`);
    assert.ok(JSON.stringify(got.redis) === JSON.stringify(expected.redis), 'Redis equals the local profile');
  },
);
