import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import {
  createUpcasterRegistry,
  currentSchemaVersion,
  privateCategories,
  streamCategory,
} from '@meetings/events';
import { pino } from 'pino';
import { header } from '../adapters/kafka/event-message.js';
import { KafkaPublisher } from '../adapters/kafka/kafka-publisher.js';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { runCli } from '../cli/run.js';
import { captureIo } from '../testing/cli-io.js';
import { consumeDomainTopics } from '../testing/domain-topics.js';
import { useKafkaTestbed } from '../testing/kafka-testbed.js';
import { runScenario } from '../testing/scenario.js';

const bed = useKafkaTestbed({ clientId: 'republish-test', partitions: 3, poolSize: 4 });

test('on the librdkafka mock broker: republish re-sends exactly the public events of a range, as the relay keys them', async () => {
  const store = new PostgresEventStore(bed.pool);
  await runScenario(store, { seed: 5, users: 20, meetings: 20, events: 600 });
  // A private stream inside the range: it must never reach Kafka.
  const meetingId = randomUUID();
  await store.appendToStream(
    `passcode-${meetingId}`,
    [
      {
        eventId: randomUUID(),
        type: 'PasscodeSet',
        schemaVersion: currentSchemaVersion('PasscodeSet'),
        data: { meetingId, passcodeHash: 'x' },
        metadata: { correlationId: randomUUID(), causationId: null, actorUserId: null, idempotencyKey: null },
        occurredAt: new Date(),
      },
    ],
    'no_stream',
  );
  const { rows: heads } = await bed.pool.query<{ p: string }>(
    'SELECT max(global_position)::text AS p FROM es_events',
  );
  const head = Number(heads[0]!.p);
  const range = { from: Math.floor(head / 4), to: head };
  const { rows } = await bed.pool.query<{ n: number; private: number }>(
    `SELECT count(*) FILTER (WHERE split_part(stream_id, '-', 1) <> ALL($3))::int AS n,
        count(*) FILTER (WHERE split_part(stream_id, '-', 1) = ANY($3))::int AS private
      FROM es_events WHERE global_position BETWEEN $1 AND $2`,
    [range.from, range.to, privateCategories],
  );
  const expected = rows[0]!.n;
  assert.ok(expected > 100);
  assert.equal(rows[0]!.private, 1);

  const io = captureIo();
  const code = await runCli(
    {
      pool: bed.pool,
      store,
      upcasters: createUpcasterRegistry(),
      projections: [],
      deadLetters: new PostgresDeadLetterStore(bed.pool),
      batchSize: 50,
      logger: pino({ level: 'silent' }),
      retiredGraceSeconds: 3600,
      kafkaProfile: false,
      relayName: 'kafka-relay',
      async connectPublisher() {
        const publisher = new KafkaPublisher(bed.kafka);
        await publisher.connect();
        return publisher;
      },
    },
    ['republish', '--from', String(range.from), '--to', String(range.to)],
    io,
  );
  assert.equal(code, 0, io.stderr.join('\n'));
  assert.deepEqual(io.stdout, [
    `republished positions ${range.from}..${range.to}: ${expected} public events sent to Kafka`,
  ]);
  assert.ok(io.stderr.length >= 2 && io.stderr.every((l) => /^republish: \d+ events sent$/.test(l)));

  const seen = await consumeDomainTopics(bed.kafka, { messages: expected });
  assert.equal(seen.length, expected);
  assert.equal(new Set(seen.map((s) => s.event.eventId)).size, expected, 'each event once');
  for (const { event, key, headers } of seen) {
    assert.ok(event.globalPosition >= range.from && event.globalPosition <= range.to);
    assert.ok(!privateCategories.includes(streamCategory(event.streamId)), `${event.streamId} is private`);
    assert.equal(key, event.streamId);
    assert.equal(header(headers, 'event-id'), event.eventId);
    assert.equal(header(headers, 'global-position'), String(event.globalPosition));
  }
});
