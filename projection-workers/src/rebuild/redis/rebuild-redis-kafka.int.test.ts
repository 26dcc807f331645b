import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { PostgresEventStore } from '@meetings/db';
import { deleteKeys } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { PostgresAppliedOffsets } from '../../adapters/postgres/postgres-applied-offsets.js';
import { PostgresTarget } from '../../adapters/postgres/postgres-target.js';
import { roomKey } from '../../projectors/redis/room-cache-projector.js';
import { createProjections } from '../../projections.js';
import { useKafkaTestbed } from '../../testing/kafka-testbed.js';
import { startKafkaProfile } from '../../testing/kafka-profile.js';
import { runScenario } from '../../testing/scenario.js';
import { rebuildProjection } from '../rebuild-projection.js';
import type { RebuildProgress } from '../rebuild-progress.js';
import { cacheAndFold, NOTIFY_MAX_AGE_SECONDS, REDIS_URL } from './live-cache-fixture.js';
import { startReader } from './room-reader.js';

/*
 * The room cache's blue/green rebuild on the Kafka path (librdkafka's mock broker stands in for
 * Kafka: none can run here): the live run reads Kafka, so the switch holds the relay still, waits
 * for the live run to apply all it published, and meets it at the relay's checkpoint. Commands keep
 * coming throughout; every notification job is pushed once, by the live run.
 */

const bed = useKafkaTestbed({ clientId: 'rebuild-redis-kafka', partitions: 3, poolSize: 30 });
const logger = pino({ level: 'silent' });
const prefixes: string[] = [];

after(async () => {
  await Promise.all(prefixes.map((p) => deleteKeys(REDIS_URL, p)));
});

/** The full profile (relay, Kafka, every projection) under a new key prefix and consumer groups. */
async function kafkaProfile() {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  prefixes.push(prefix);
  const stop = await startKafkaProfile({
    kafka: bed.kafka,
    pool: bed.pool,
    databaseUrl: bed.db.url,
    redisUrl: REDIS_URL,
    redisPrefix: prefix,
    groupPrefix: `rebuild-${prefix}`,
    logger,
  });
  return { prefix, stop };
}

/** Until the relay stands at the log's head and the live room cache applied all it published. */
async function drained(timeoutMs = 120_000): Promise<void> {
  const offsets = new PostgresAppliedOffsets(bed.pool);
  const relay = new PostgresTarget(bed.pool);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await bed.pool.query<{ tx: string; pos: string }>(
      `SELECT transaction_id::text AS tx, global_position::text AS pos FROM es_events
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    const at = await relay.loadCheckpoint('kafka-relay');
    const head = rows[0] ? `${rows[0].tx}:${rows[0].pos}` : '';
    if (
      at &&
      `${at.transactionId}:${at.globalPosition}` === head &&
      (await offsets.unappliedRelayed('room-cache')) === 0
    )
      return;
    if (Date.now() > deadline) throw new Error('the live room cache did not catch up through Kafka');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function rebuildDeps(prefix: string, redis: Redis) {
  const projections = createProjections({
    pool: bed.pool,
    redis,
    redisKeyPrefix: prefix,
    logger,
    batchSize: 500,
    pollIntervalMs: 10,
    maxAttempts: 3,
    notifyMaxAgeSeconds: NOTIFY_MAX_AGE_SECONDS,
  });
  return {
    pool: bed.pool,
    logger,
    projections,
    batchSize: 500,
    liveReadsKafka: true,
    redis: { client: redis, keyPrefix: prefix, notifyMaxAgeSeconds: NOTIFY_MAX_AGE_SECONDS },
  };
}

/** The cache and the fold of the whole log, the job queue in jobId order (Kafka orders per partition). */
async function cacheAndFoldByJob(prefix: string) {
  const byJob = (all: Record<string, unknown>) => {
    const queue = all['queue:notifications'] as { jobId: string }[] | undefined;
    queue?.sort((a, b) => a.jobId.localeCompare(b.jobId));
    return all;
  };
  const { actual, expected } = await cacheAndFold(bed.pool, prefix);
  return { actual: byJob(actual), expected: byJob(expected) };
}

test(
  'on the mock broker: the room cache rebuilt while commands flow through relay and Kafka; readers never see a gap, every job once',
  { timeout: 300_000 },
  async (t) => {
    const store = new PostgresEventStore(bed.pool);
    await Promise.all(
      [1, 2, 3, 4].map((seed) => runScenario(store, { seed, users: 20, meetings: 40, events: 1_500 })),
    );
    const { prefix, stop } = await kafkaProfile();
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    try {
      await drained();
      // What the rebuild must repair: a room that should not exist, a field gone wrong.
      const stray = randomUUID();
      await redis.hset(roomKey(stray), { meeting_id: stray, version: '1' });
      const [someRoom] = await redis.keys(`${prefix}room:*`);
      await redis.hset(someRoom!.slice(prefix.length), 'status', 'corrupted');

      const reader = await startReader(new Redis(REDIS_URL, { keyPrefix: prefix }), [stray]);
      let rebuilding = true;
      const appending = (async () => {
        // A steady flow the live run keeps up with (on two shared cores, at full speed it cannot).
        for (let seed = 100; rebuilding; seed++) {
          await runScenario(store, { seed, users: 4, meetings: 6, events: 150 });
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
      const phases: RebuildProgress['phase'][] = [];
      let result;
      try {
        result = await rebuildProjection(rebuildDeps(prefix, redis), 'room-cache', {
          progressEveryMs: 50,
          onProgress: (p) => phases.push(p.phase),
        });
      } finally {
        rebuilding = false;
        await appending;
      }
      await drained();
      const seen = await reader.stop();

      assert.equal(phases.at(-1), 'switched');
      assert.ok(result.switchedAt, 'switched at the relay checkpoint of the moment');
      assert.deepEqual(seen.violations, [], 'no room key missing, no version going back');
      assert.equal(
        await redis.get('projection-checkpoint:room-cache'),
        null,
        'the Kafka-fed live run still keeps no log checkpoint',
      );
      t.diagnostic(
        `rebuilt in ${result.seconds.toFixed(2)} s; reader ${seen.rounds} rounds of ${seen.keys} keys`,
      );
      const { actual, expected } = await cacheAndFoldByJob(prefix);
      assert.deepEqual(
        actual,
        expected,
        'the cache (the stray room gone, the field repaired, every job once) equals the fold of the log',
      );
    } finally {
      redis.disconnect();
      await stop();
    }
  },
);

test(
  'on the mock broker: after Redis lost the room cache, the live run goes on from its offsets and a rebuild brings the lost rooms back',
  { timeout: 300_000 },
  async () => {
    const store = new PostgresEventStore(bed.pool);
    await runScenario(store, { seed: 400, users: 10, meetings: 20, events: 1_000 });
    const { prefix, stop } = await kafkaProfile();
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    const rooms = (all: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('room:')));
    try {
      // This run's consumer groups are new, and the offsets table still shows the last test's run.
      for (const deadline = Date.now() + 180_000; ;) {
        // A key can go between the dump's SCAN and its read: that round is only tried again.
        const now = await cacheAndFold(bed.pool, prefix).catch(() => null);
        if (now && isDeepStrictEqual(rooms(now.actual), rooms(now.expected))) break;
        assert.ok(Date.now() < deadline, 'the new live run caught up');
        await new Promise((r) => setTimeout(r, 500));
      }
      await deleteKeys(REDIS_URL, prefix); // Redis restarted without its data
      await runScenario(store, { seed: 500, users: 6, meetings: 8, events: 300 });
      await drained();
      const lost = await cacheAndFold(bed.pool, prefix);
      assert.notDeepEqual(
        rooms(lost.actual),
        rooms(lost.expected),
        'the live run alone lacks the lost rooms',
      );

      await rebuildProjection(rebuildDeps(prefix, redis), 'room-cache');
      await runScenario(store, { seed: 501, users: 6, meetings: 8, events: 300 });
      await drained();
      const { actual, expected } = await cacheAndFold(bed.pool, prefix);
      // The jobs queued before the loss went with it; the rooms and the guards are all back.
      assert.deepEqual(rooms(actual), rooms(expected), 'every room as the fold of the whole log has it');
    } finally {
      redis.disconnect();
      await stop();
    }
  },
);
