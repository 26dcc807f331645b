import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { privateCategories } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { fromMessage } from '../adapters/kafka/event-message.js';
import { kafkaTestConfig, startKafkaMockBroker } from '../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../testing/mock-topic-admin.js';
import { runScenario } from '../testing/scenario.js';
import { PUBLIC_CATEGORIES, topicLayout, topicOf } from './topics.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
let db: TestDatabase;
let pool: pg.Pool;
let broker: KafkaMockBroker;
const relays: ChildProcess[] = [];

before(async () => {
  [db, broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
  pool = new pg.Pool({ connectionString: db.url, max: 8 });
  pool.on('error', () => undefined);
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(4));
});
after(async () => {
  for (const r of relays) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
  await pool.end();
  await Promise.all([db.drop(), broker.stop()]);
});

function startRelay(): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: broker.brokers.join(','),
      RELAY_BATCH_SIZE: '100',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  relays.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', r));

test(
  'on the librdkafka mock broker: SIGKILL the relay process mid-stream and restart it: nothing missing, each stream in order',
  { timeout: 300_000 },
  async () => {
    const store = new PostgresEventStore(pool);
    // Appends go on while the relay is killed, so it dies with a stream half shipped.
    const appending = runScenario(store, { seed: 5, users: 50, meetings: 80, events: 6000 });
    const first = startRelay();
    // Killed as soon as it has shipped something: mid-stream, appends still coming.
    for (let shipped = false; !shipped; await new Promise((r) => setTimeout(r, 20))) {
      const { rows } = await pool.query(
        `SELECT 1 FROM projection_checkpoints WHERE projection = 'kafka-relay'`,
      );
      shipped = rows.length > 0;
    }
    first.kill('SIGKILL');
    await exited(first);
    assert.ok(!(await Promise.race([appending.then(() => true), Promise.resolve(false)])), 'still appending');
    await appending;
    const second = startRelay();

    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM es_events WHERE split_part(stream_id, '-', 1) <> ALL($1::text[])`,
      [privateCategories],
    );
    const expected = rows[0]!.n;
    const kafka = new Kafka({ clientId: 'crash-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `crash-test-${Date.now()}`, ...kafkaTestConfig() });
    await consumer.connect();
    await consumer.subscribe({ topics: PUBLIC_CATEGORIES.map(topicOf), fromBeginning: true });
    const ids = new Set<string>();
    const versions = new Map<string, number[]>();
    let messages = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${ids.size} of ${expected} events`)), 120_000);
      void consumer.run({
        eachMessage: ({ message }) => {
          const event = fromMessage(message.value);
          messages += 1;
          ids.add(event.eventId);
          versions.set(event.streamId, [...(versions.get(event.streamId) ?? []), event.streamVersion]);
          if (ids.size >= expected) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    second.kill('SIGTERM');
    await exited(second);

    assert.equal(ids.size, expected, 'every public event reached Kafka');
    for (const [streamId, seen] of versions) {
      let high = 0;
      for (const v of seen) {
        if (v <= high) continue; // a republished one
        assert.equal(v, high + 1, `${streamId}: ${seen.join(',')}`);
        high = v;
      }
    }
    console.log(`${messages - expected} duplicate messages after the SIGKILL (absorbed by the projectors)`);
  },
);
