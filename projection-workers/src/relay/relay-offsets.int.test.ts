import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { pino } from 'pino';
import { KafkaPublisher } from '../adapters/kafka/kafka-publisher.js';
import { PostgresRelayOffsets } from '../adapters/postgres/postgres-relay-offsets.js';
import { useKafkaTestbed } from '../testing/kafka-testbed.js';
import { runScenario } from '../testing/scenario.js';
import { PUBLIC_CATEGORIES, topicOf } from './topics.js';
import { postgresRelay } from './postgres-relay.js';

// What read-your-writes on the Kafka path translates positions with (README "Kafka"), on
// librdkafka's mock broker (a stand-in: no real Kafka can run here).
const bed = useKafkaTestbed({ clientId: 'relay-offsets-test', partitions: 4, poolSize: 6 });
const logger = pino({ level: 'silent' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('on the librdkafka mock broker: the relay records where each batch ended on each partition, with its checkpoint', async () => {
  await runScenario(new PostgresEventStore(bed.pool), { seed: 11, users: 20, meetings: 30, events: 1500 });
  const publisher = new KafkaPublisher(bed.kafka);
  await publisher.connect();
  const controller = new AbortController();
  const running = postgresRelay({
    pool: bed.pool,
    databaseUrl: bed.db.url,
    publisher,
    logger,
    batchSize: 100,
    pollIntervalMs: 10,
    lockRetryMs: 100,
  }).run(controller.signal);
  const head = await bed.pool.query<{ tx: string; pos: string }>(
    `SELECT transaction_id::text AS tx, global_position::text AS pos FROM es_events
     ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  for (let i = 0; ; i++) {
    const { rows } = await bed.pool.query(
      `SELECT 1 FROM projection_checkpoints
       WHERE projection = 'kafka-relay' AND transaction_id = $1 AND global_position = $2`,
      [head.rows[0]!.tx, head.rows[0]!.pos],
    );
    if (rows.length > 0) break;
    assert.ok(i < 1500, 'the relay caught up');
    await sleep(20);
  }
  controller.abort();
  await running;
  await publisher.disconnect();

  // The highest end offset recorded per partition is the partition's high watermark: the counts
  // behind each end offset are exact, and no batch went unrecorded.
  const admin = bed.kafka.admin();
  await admin.connect();
  const recorded = await bed.pool.query<{ topic: string; partition: number; end: string; rows: number }>(
    `SELECT topic, "partition", max(end_offset)::text AS end, count(*)::int AS rows
     FROM relay_offsets GROUP BY topic, "partition"`,
  );
  const byPartition = new Map(recorded.rows.map((r) => [`${r.topic}/${r.partition}`, r]));
  let partitions = 0;
  for (const topic of PUBLIC_CATEGORIES.map(topicOf)) {
    for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
      if (high === '0') continue;
      partitions += 1;
      assert.equal(byPartition.get(`${topic}/${partition}`)?.end, high, `${topic}/${partition}`);
    }
  }
  await admin.disconnect();
  assert.equal(partitions, byPartition.size);
  assert.ok(partitions >= 6, 'the scenario reached most partitions');
  assert.ok(
    recorded.rows.some((r) => r.rows > 1),
    'batches of 100 over 1,500 events: several rows per partition',
  );
  // Every batch started before the relay's checkpoint.
  const after = await bed.pool.query(
    `SELECT count(*)::int AS n FROM relay_offsets o, projection_checkpoints c
     WHERE c.projection = 'kafka-relay'
       AND (o.from_transaction_id, o.from_global_position) >= (c.transaction_id, c.global_position)`,
  );
  assert.equal(after.rows[0].n, 0);
});

test('old rows fold into one per partition: the earliest start, the highest end offset', async () => {
  await bed.pool.query('DELETE FROM relay_offsets');
  const client = await bed.pool.connect();
  try {
    const offsets = new PostgresRelayOffsets({ exactForSeconds: 3600, foldEveryMs: 0 });
    await client.query('BEGIN');
    await offsets.record(client, { transactionId: 10, globalPosition: 100 }, [
      { topic: 't', partition: 0, endOffset: 5n },
      { topic: 't', partition: 1, endOffset: 3n },
    ]);
    await offsets.record(client, { transactionId: 10, globalPosition: 120 }, [
      { topic: 't', partition: 0, endOffset: 9n },
    ]);
    await client.query('COMMIT');
    assert.equal((await bed.pool.query('SELECT count(*)::int AS n FROM relay_offsets')).rows[0].n, 3);
    // Young rows stay apart; once older than the exact window they fold.
    await bed.pool.query(`UPDATE relay_offsets SET recorded_at = now() - interval '2 hours'`);
    await client.query('BEGIN');
    await offsets.record(client, { transactionId: 11, globalPosition: 130 }, [
      { topic: 't', partition: 0, endOffset: 12n },
    ]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const { rows } = await bed.pool.query(
    `SELECT "partition", end_offset::int AS end, from_transaction_id::int AS tx,
       from_global_position::int AS pos
     FROM relay_offsets ORDER BY "partition", from_transaction_id, from_global_position`,
  );
  assert.deepEqual(rows, [
    { partition: 0, end: 9, tx: 10, pos: 100 },
    { partition: 0, end: 12, tx: 11, pos: 130 },
    { partition: 1, end: 3, tx: 10, pos: 100 },
  ]);
});
