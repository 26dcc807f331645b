import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresDeadLetterStore } from '../postgres/postgres-dead-letter-store.js';
import { PostgresTarget } from '../postgres/postgres-target.js';
import { usersProjector } from '../../projectors/postgres/users-projector.js';
import type { Projector } from '../../projectors/projector.js';
import { createRunners } from '../../projections.js';
import { topicLayout, topicOf } from '../../relay/topics.js';
import { ProjectionWorker } from '../../runner/projection-worker.js';
import { EventFactory } from '../../testing/event-factory.js';
import { kafkaTestConfig, startKafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../../testing/mock-topic-admin.js';
import { toMessage } from './event-message.js';
import { kafkaRunnerSources } from './kafka-runner-sources.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const logger = pino({ level: 'silent' });
let db: TestDatabase;
let pool: pg.Pool;
let broker: KafkaMockBroker;

before(async () => {
  [db, broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(3));
});
after(async () => {
  pool.on('error', () => undefined);
  await pool.end();
  await Promise.all([db.drop(), broker.stop()]);
});

test('on the librdkafka mock broker: a batch the database failed to take is delivered again, its offsets uncommitted', async () => {
  const kafka = new Kafka({ clientId: 'source-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const f = new EventFactory();
  const users = Array.from({ length: 40 }, (_, i) => {
    const userId = randomUUID();
    return f.event(streams.user(userId), 'UserRegistered', {
      userId,
      username: `u${i}`,
      email: `u${i}@example.com`,
      displayName: `User ${i}`,
      role: 'user',
    });
  });
  await producer.send({ topic: topicOf('user'), messages: users.map(toMessage) });

  // The database "goes away" under the first two batches: the runner stops and starts over.
  let outages = 2;
  const flaky: Projector<pg.ClientBase> = {
    ...usersProjector,
    apply(tx, events) {
      if (outages-- > 0)
        return Promise.reject(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }));
      return usersProjector.apply(tx, events);
    },
  };
  const deps = {
    pool,
    redis: null as never,
    redisKeyPrefix: '',
    logger,
    batchSize: 15,
    pollIntervalMs: 10,
    maxAttempts: 3,
    notifyMaxAgeSeconds: 600,
  };
  const sources = kafkaRunnerSources({
    kafka,
    producer,
    table: new PostgresDeadLetterStore(pool),
    logger,
    groupPrefix: `source-test-${Date.now()}.`,
    consumer: kafkaTestConfig(),
  });
  const worker = new ProjectionWorker(
    createRunners(deps, [{ projector: flaky, target: new PostgresTarget(pool) }], sources),
    logger,
  );
  worker.start();
  let count = 0;
  for (let i = 0; i < 300 && count < users.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    count = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0]!.n;
  }
  await worker.stop();
  await producer.disconnect();

  assert.ok(outages < 0, 'the outages happened');
  assert.equal(count, users.length, 'every user arrived although two batches failed');
  const dead = await new PostgresDeadLetterStore(pool).list();
  assert.deepEqual(dead, [], 'an outage is no fault of the events');
});
