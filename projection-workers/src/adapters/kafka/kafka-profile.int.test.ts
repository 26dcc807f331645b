import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ASYNC_COMMIT, PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresDeadLetterStore } from '../postgres/postgres-dead-letter-store.js';
import { EventStoreSource } from '../postgres/event-store-source.js';
import { PostgresLeaderLock } from '../postgres/postgres-leader-lock.js';
import { PostgresTarget } from '../postgres/postgres-target.js';
import { createProjections, createRunners, projectionNames } from '../../projections.js';
import { EventRelay } from '../../relay/event-relay.js';
import { topicLayout } from '../../relay/topics.js';
import { ProjectionWorker } from '../../runner/projection-worker.js';
import { waitUntilCaughtUp } from '../../testing/caught-up.js';
import { kafkaTestConfig, startKafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import { copyEventLog } from '../../testing/log-copy.js';
import { dumpRedis, dumpTables } from '../../testing/read-model-dump.js';
import { runScenario } from '../../testing/scenario.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { kafkaRunnerSources } from './kafka-runner-sources.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const logger = pino({ level: 'silent' });
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = () => `test:${randomBytes(6).toString('hex')}:`;
const [viaKafkaPrefix, localPrefix] = [prefix(), prefix()];
let viaKafka: TestDatabase;
let local: TestDatabase;
let broker: KafkaMockBroker;
const pools: pg.Pool[] = [];
const poolOf = (db: TestDatabase) => {
  const pool = new pg.Pool({ connectionString: db.url, max: 10, ...ASYNC_COMMIT });
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
};

before(async () => {
  [viaKafka, local, broker] = await Promise.all([
    createTestDatabase(),
    createTestDatabase(),
    startKafkaMockBroker(),
  ]);
  for (const topic of topicLayout(4)) await broker.createTopic(topic.name, topic.partitions);
});
after(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await Promise.all([
    viaKafka.drop(),
    local.drop(),
    broker.stop(),
    deleteKeys(redisUrl, viaKafkaPrefix),
    deleteKeys(redisUrl, localPrefix),
  ]);
});

/**
 * The room cache, with the notification queue as a set: jobs are queued in the order they are
 * applied, and Kafka interleaves partitions differently from the global log.
 */
async function roomCache(prefix: string): Promise<Record<string, unknown>> {
  const dump = await dumpRedis(redisUrl, prefix);
  const queue = dump['queue:notifications'];
  if (Array.isArray(queue)) dump['queue:notifications'] = [...(queue as string[])].sort();
  return dump;
}

const depsOf = (pool: pg.Pool, redis: Redis, redisKeyPrefix: string) => ({
  pool,
  redis,
  redisKeyPrefix,
  logger,
  batchSize: 500,
  pollIntervalMs: 10,
  maxAttempts: 3,
  notifyMaxAgeSeconds: 600,
});

test(
  'on the librdkafka mock broker: 20,000 events through relay, Kafka and projectors equal the local profile',
  { timeout: 300_000 },
  async () => {
    const kafkaPool = poolOf(viaKafka);
    const { events } = await runScenario(new PostgresEventStore(kafkaPool), {
      seed: 2024,
      users: 80,
      meetings: 200,
      events: 20_000,
    });

    // Full profile: the relay ships the log to Kafka; every projection consumes it in its own group.
    const kafka = new Kafka({
      clientId: 'profile-test',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
    });
    const publisher = new KafkaPublisher(kafka);
    const dlqProducer = kafka.producer();
    await Promise.all([publisher.connect(), dlqProducer.connect()]);
    const stop = new AbortController();
    const relay = new EventRelay({
      source: new EventStoreSource(new PostgresEventStore(kafkaPool), logger, 10),
      publisher,
      checkpoints: new PostgresTarget(kafkaPool),
      lock: new PostgresLeaderLock(viaKafka.url, 'profile-test-relay', 100),
      logger,
      batchSize: 1000,
    }).run(stop.signal);
    const kafkaRedis = new Redis(redisUrl, { keyPrefix: viaKafkaPrefix });
    const kafkaDeps = depsOf(kafkaPool, kafkaRedis, viaKafkaPrefix);
    const sources = kafkaRunnerSources({
      kafka,
      producer: dlqProducer,
      table: new PostgresDeadLetterStore(kafkaPool),
      logger,
      groupPrefix: `profile-test-${Date.now()}.`,
      consumer: kafkaTestConfig(),
    });
    const kafkaWorker = new ProjectionWorker(
      createRunners(kafkaDeps, createProjections(kafkaDeps), sources),
      logger,
    );
    kafkaWorker.start();

    // Local profile: the same log projected straight from the event store, in another database.
    const localPool = poolOf(local);
    assert.equal(await copyEventLog(kafkaPool, localPool), events);
    const localRedis = new Redis(redisUrl, { keyPrefix: localPrefix });
    const localDeps = depsOf(localPool, localRedis, localPrefix);
    const localWorker = new ProjectionWorker(createRunners(localDeps, createProjections(localDeps)), logger);
    localWorker.start();
    await waitUntilCaughtUp(localPool, redisUrl, localPrefix, projectionNames());
    await localWorker.stop();
    const expectedTables = await dumpTables(localPool);
    const expectedRedis = await roomCache(localPrefix);

    // Kafka keeps no log checkpoint: wait until the read models stop differing (or time runs out).
    const deadline = Date.now() + 120_000;
    let tables = await dumpTables(kafkaPool);
    let redis = await roomCache(viaKafkaPrefix);
    while (
      (JSON.stringify(tables) !== JSON.stringify(expectedTables) ||
        JSON.stringify(redis) !== JSON.stringify(expectedRedis)) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 500));
      [tables, redis] = await Promise.all([dumpTables(kafkaPool), roomCache(viaKafkaPrefix)]);
    }
    stop.abort();
    await Promise.all([relay, kafkaWorker.stop()]);
    await Promise.all([publisher.disconnect(), dlqProducer.disconnect()]);
    kafkaRedis.disconnect();
    localRedis.disconnect();

    for (const table of Object.keys(expectedTables)) {
      assert.ok(expectedTables[table]!.length > 0, `${table} has rows`);
      assert.deepEqual(
        tables[table],
        expectedTables[table],
        `${table} through Kafka equals the local profile`,
      );
    }
    // Compared as text: a failing deepEqual of ~1,000 keys would print them all.
    assert.ok(
      JSON.stringify(redis) === JSON.stringify(expectedRedis),
      'Redis through Kafka equals the local profile',
    );
    const dead = await kafkaPool.query('SELECT count(*)::int AS n FROM projection_dead_letters');
    assert.equal(dead.rows[0].n, 0);
  },
);
