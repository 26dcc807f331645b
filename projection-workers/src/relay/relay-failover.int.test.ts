import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ASYNC_COMMIT, PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import type { EventEnvelope } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
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
const LOCK = 'relay-failover-test';
let db: TestDatabase;
let pool: pg.Pool;
let broker: KafkaMockBroker;
let kafka: Kafka;
let publisher: KafkaPublisher;

before(async () => {
  [db, broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
  pool = new pg.Pool({ connectionString: db.url, max: 8, ...ASYNC_COMMIT });
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(4));
  kafka = new Kafka({ clientId: 'failover-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  publisher = new KafkaPublisher(kafka);
  await publisher.connect();
});
after(async () => {
  await publisher.disconnect();
  pool.on('error', () => undefined);
  await pool.end();
  await Promise.all([db.drop(), broker.stop()]);
});

function relay(publish: EventPublisher) {
  return postgresRelay({
    pool,
    databaseUrl: db.url,
    publisher: publish,
    logger,
    batchSize: 200,
    pollIntervalMs: 10,
    lockKey: LOCK,
    lockRetryMs: 100,
  });
}

test('on the librdkafka mock broker: one relay at a time; a crash before or after the ack never skips', async () => {
  await runScenario(new PostgresEventStore(pool), { seed: 11, users: 30, meetings: 40, events: 2000 });
  const expected = await publicEventCount(pool);

  /** Publishes through Kafka, but "dies" at its `n`th batch, before or after the broker has it. */
  const dyingAt = (n: number, when: 'before' | 'after', atDeath?: () => void) => {
    let batches = 0;
    const published = { events: 0 };
    const publish: EventPublisher = {
      async publish(events: readonly EventEnvelope[]) {
        const dies = ++batches === n;
        if (dies) atDeath?.();
        if (dies && when === 'before') throw new Error('killed before the ack');
        await publisher.publish(events);
        published.events += events.length;
        if (dies) throw new Error('killed after the ack');
      },
    };
    return { publish, published };
  };
  const stop = new AbortController();
  // Read as the first dies, while it still holds the lock: once it has let go, the standby may
  // take over and publish before the test looks.
  let standbyWhileFirstHeld = -1;
  const first = dyingAt(3, 'after', () => (standbyWhileFirstHeld = second.published.events));
  const second = dyingAt(2, 'before');
  const third = dyingAt(Infinity, 'after');
  // The second waits on the lock while the first relays (a lock is not a queue: one standby at a time).
  const running = [relay(first.publish).run(stop.signal)];
  while (first.published.events === 0) await new Promise((r) => setTimeout(r, 5));
  running.push(relay(second.publish).run(stop.signal));
  await assert.rejects(running[0]!, /killed after the ack/);
  assert.equal(standbyWhileFirstHeld, 0, 'the standby did not publish while the first held the lock');
  await assert.rejects(running[1]!, /killed before the ack/);
  const last = relay(third.publish).run(stop.signal);

  const delivered = await consumeDomainTopics(kafka, { events: expected });
  stop.abort();
  await last;
  assert.ok(second.published.events > 0 && third.published.events > 0, 'each standby took over in turn');

  assertEachStreamInOrder(delivered);
  assert.equal(
    new Set(delivered.map((d) => d.event.eventId)).size,
    expected,
    'every public event reached Kafka',
  );
});

test('on the librdkafka mock broker: a relay whose lock connection dies stops, and the standby takes over', async () => {
  const stop = new AbortController();
  // Settled at once: the relay fails while the test is still terminating its session.
  const active = relay(publisher)
    .run(stop.signal)
    .then(
      () => null,
      (error: unknown) => error,
    );
  await new Promise((r) => setTimeout(r, 300));
  // Kill the active relay's lock session, as a network cut or a PostgreSQL failover would.
  await pool.query(
    `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  assert.match(String(await active), /lost the relay lock|terminat/i);
  const standby = relay(publisher).run(stop.signal);
  await new Promise((r) => setTimeout(r, 500));
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
     WHERE locktype = 'advisory' AND granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  assert.equal(rows[0]!.n, 1, 'the standby holds the lock');
  stop.abort();
  await standby;
});
