import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { startKafkaMockBroker } from '../testing/kafka-mock-broker.js';
import type { KafkaMockBroker } from '../testing/kafka-mock-broker.js';
import { MockTopicAdmin } from '../testing/mock-topic-admin.js';
import { runScenario } from '../testing/scenario.js';
import { topicLayout } from './topics.js';
import { assertEachStreamInOrder, consumeDomainTopics, publicEventCount } from '../testing/domain-topics.js';

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

    const expected = await publicEventCount(pool);
    const kafka = new Kafka({ clientId: 'crash-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const delivered = await consumeDomainTopics(kafka, { events: expected });
    second.kill('SIGTERM');
    await exited(second);

    assert.equal(
      new Set(delivered.map((d) => d.event.eventId)).size,
      expected,
      'every public event reached Kafka',
    );
    assertEachStreamInOrder(delivered);
    console.log(
      `${delivered.length - expected} duplicate messages after the SIGKILL (absorbed by the projectors)`,
    );
  },
);
