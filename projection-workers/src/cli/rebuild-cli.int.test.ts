import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { createUpcasterRegistry } from '@meetings/events';
import { deleteKeys } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { createProjections, createRunners } from '../projections.js';
import { ProjectionWorker } from '../runner/projection-worker.js';
import { waitUntilCaughtUp } from '../testing/caught-up.js';
import { captureIo } from '../testing/cli-io.js';
import { runScenario } from '../testing/scenario.js';
import type { CliContext } from './context.js';
import { runCli } from './run.js';

let db: TestDatabase;
let pool: pg.Pool;
let redis: Redis;
let ctx: CliContext;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:rebuild-cli:${process.pid}:`;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined);
  redis = new Redis(redisUrl, { keyPrefix: prefix });
  const store = new PostgresEventStore(pool);
  await runScenario(store, { seed: 41, users: 10, meetings: 10, events: 600 });
  const logger = pino({ level: 'silent' });
  ctx = {
    pool,
    store,
    upcasters: createUpcasterRegistry(),
    projections: createProjections(deps()),
    deadLetters: new PostgresDeadLetterStore(pool),
    batchSize: 100,
    logger,
    retiredGraceSeconds: 3_600,
    redis: { client: redis, keyPrefix: prefix, notifyMaxAgeSeconds: 600 },
    kafkaProfile: false,
    relayName: 'kafka-relay',
    connectPublisher: () => Promise.reject(new Error('not in this test')),
  };
});

after(async () => {
  redis.disconnect();
  await deleteKeys(redisUrl, prefix);
  await pool.end();
  await db.drop();
});

function deps() {
  return {
    pool,
    redis,
    redisKeyPrefix: prefix,
    logger: pino({ level: 'silent' }),
    batchSize: 100,
    pollIntervalMs: 10,
    maxAttempts: 2,
    notifyMaxAgeSeconds: 600,
  };
}

async function cli(...args: string[]) {
  const io = captureIo();
  const code = await runCli(ctx, args, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

test('rebuild refuses what it cannot do, with exit 2 and the reason', async () => {
  const unknown = await cli('rebuild', 'nope');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown projection "nope"; known: users, meetings/);
  assert.equal((await cli('rebuild')).code, 2);
  const bulk = await cli('rebuild', 'users', '--bulk-batch-size', '0');
  assert.equal(bulk.code, 2);
  assert.match(bulk.err, /--bulk-batch-size must be a positive integer, got "0"/);
  assert.equal((await cli('rebuild', 'users', '--bulk-batch-size', '1e3')).code, 2);
  assert.equal((await cli('drop-retired', '--grace-seconds', '-1')).code, 2);
  const roles = await cli('rebuild', 'session-roles');
  assert.equal(roles.code, 2);
  assert.match(roles.err, /session-roles changes live log-in sessions in place/);
  // Several at once: all are checked before any starts.
  const mixed = await cli('rebuild', 'users', 'chat', 'session-roles');
  assert.equal(mixed.code, 2);
  assert.match(mixed.err, /session-roles changes live log-in sessions in place/);
  const twice = await cli('rebuild', 'users', 'users');
  assert.equal(twice.code, 2);
  assert.match(twice.err, /a projection is named twice/);
  const { rows } = await pool.query('SELECT * FROM projection_generations');
  assert.deepEqual(rows, [], 'nothing was started');
});

test('rebuild reports its phases, status shows the retired generation, drop-retired drops it after the grace period', async () => {
  const rebuilt = await cli('rebuild', 'users', '--bulk-batch-size', '200');
  assert.equal(rebuilt.code, 0, rebuilt.err);
  assert.match(
    rebuilt.out,
    /^rebuilt users \(generation [0-9a-f]{10}\) in [\d.]+ s; readers switched at \d+:\d+$/,
  );
  for (const phase of ['building', 'indexing', 'catching-up', 'switching', 'switched'])
    assert.match(rebuilt.err, new RegExp(`rebuild users generation [0-9a-f]{10}: ${phase}, at \\d+ of \\d+`));
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  assert.ok(rows[0]!.n > 0);

  assert.match((await cli('status')).out, /users\s+generation [0-9a-f]{10} retired at \S+, its tables kept/);
  assert.equal((await cli('drop-retired')).out, 'no retired generation past its grace period');
  assert.match(
    (await cli('drop-retired', '--grace-seconds', '0')).out,
    /^dropped retired_users_[0-9a-f]{10}$/,
  );
  assert.doesNotMatch((await cli('status')).out, /retired at/);
});

test('rebuild of several projections runs them side by side and reports each', async () => {
  const sent = await pool.query(`SELECT count(*)::int AS n FROM es_events WHERE type = 'ChatMessageSent'`);
  assert.ok(sent.rows[0].n > 0);
  const rebuilt = await cli('rebuild', 'chat', 'meeting-access', '--bulk-batch-size', '150');
  assert.equal(rebuilt.code, 0, rebuilt.err);
  const lines = rebuilt.out.split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^rebuilt chat \(generation [0-9a-f]{10}\) in [\d.]+ s/);
  assert.match(lines[1]!, /^rebuilt meeting-access \(generation [0-9a-f]{10}\) in [\d.]+ s/);
  for (const name of ['chat', 'meeting-access'])
    assert.match(rebuilt.err, new RegExp(`rebuild ${name} generation [0-9a-f]{10}: switched`));
  assert.deepEqual((await pool.query('SELECT count(*)::int AS n FROM signaling_messages')).rows, sent.rows);
  await cli('drop-retired', '--grace-seconds', '0');
});

test('rebuild room-cache builds the cache beside the live keys and switches it in', async () => {
  const projections = ctx.projections.filter((p) => p.projector.name === 'room-cache');
  const worker = new ProjectionWorker(createRunners({ ...deps(), redis }, projections), ctx.logger);
  worker.start();
  try {
    await waitUntilCaughtUp(pool, redisUrl, prefix, ['room-cache'], 60_000);
  } finally {
    await worker.stop();
  }
  // A key the live cache lost: the rebuilt generation has it again.
  const [lost] = (await redis.keys(`${prefix}room-version:*`)).map((k) => k.slice(prefix.length));
  assert.ok(lost, 'the scenario left room versions');
  const kept = await redis.get(lost);
  await redis.del(lost);
  const rebuilt = await cli('rebuild', 'room-cache');
  assert.equal(rebuilt.code, 0, rebuilt.err);
  assert.match(rebuilt.out, /^rebuilt room-cache \(generation \S+\) in [\d.]+ s/);
  assert.equal(await redis.get(lost), kept);
  assert.deepEqual(await redis.keys(`${prefix}rebuild:*`), [], 'nothing of the build is left');
});
