import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { topicLayout } from '../../relay/topics.js';
import { startKafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import { startKafkaProfile } from '../../testing/kafka-profile.js';
import type { KafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../../testing/mock-topic-admin.js';
import { convergedReadModels, localProfileOf } from '../../testing/local-profile.js';
import { runScenario } from '../../testing/scenario.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const logger = pino({ level: 'silent' });
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = `test:${randomBytes(6).toString('hex')}:`;
let db: TestDatabase;
let pool: pg.Pool;
let broker: KafkaMockBroker;

before(async () => {
  [db, broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined);
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(4));
});
after(async () => {
  await pool.end();
  await Promise.all([db.drop(), broker.stop(), deleteKeys(redisUrl, redisPrefix)]);
});

test(
  'on the librdkafka mock broker: 20,000 events through relay, Kafka and projectors equal the local profile',
  { timeout: 300_000 },
  async () => {
    await runScenario(new PostgresEventStore(pool), { seed: 2024, users: 80, meetings: 200, events: 20_000 });

    // Full profile: the relay ships the log to Kafka; every projection consumes it in its own group.
    const kafka = new Kafka({
      clientId: 'profile-test',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
    });
    const stopProfile = await startKafkaProfile({
      kafka,
      pool,
      databaseUrl: db.url,
      redisUrl,
      redisPrefix,
      groupPrefix: `profile-test-${Date.now()}.`,
      logger,
    });

    // The local profile: the same log projected straight from the event store, elsewhere.
    const expected = await localProfileOf(pool);
    const got = await convergedReadModels(pool, redisPrefix, expected);
    await stopProfile();

    for (const table of Object.keys(expected.tables)) {
      assert.ok(expected.tables[table]!.length > 0, `${table} has rows`);
      assert.deepEqual(
        got.tables[table],
        expected.tables[table],
        `${table} through Kafka equals the local profile`,
      );
    }
    // Compared as text: a failing deepEqual of ~1,000 keys would print them all.
    assert.ok(JSON.stringify(got.redis) === JSON.stringify(expected.redis), 'Redis equals the local profile');
    const dead = await pool.query('SELECT count(*)::int AS n FROM projection_dead_letters');
    assert.equal(dead.rows[0].n, 0);
  },
);
