import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { createUpcasterRegistry } from '@meetings/events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { createProjections } from '../projections.js';
import { captureIo } from '../testing/cli-io.js';
import { runScenario } from '../testing/scenario.js';
import type { CliContext } from './context.js';
import { runCli } from './run.js';

let db: TestDatabase;
let pool: pg.Pool;
let redis: Redis;
let ctx: CliContext;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined);
  redis = new Redis({ lazyConnect: true });
  const store = new PostgresEventStore(pool);
  await runScenario(store, { seed: 41, users: 10, meetings: 10, events: 600 });
  const logger = pino({ level: 'silent' });
  ctx = {
    pool,
    store,
    upcasters: createUpcasterRegistry(),
    projections: createProjections({
      pool,
      redis,
      redisKeyPrefix: '',
      logger,
      batchSize: 100,
      pollIntervalMs: 10,
      maxAttempts: 2,
      notifyMaxAgeSeconds: 600,
    }),
    deadLetters: new PostgresDeadLetterStore(pool),
    batchSize: 100,
    logger,
    retiredGraceSeconds: 3_600,
    kafkaProfile: false,
    relayName: 'kafka-relay',
    connectPublisher: () => Promise.reject(new Error('not in this test')),
  };
});

after(async () => {
  redis.disconnect();
  await pool.end();
  await db.drop();
});

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
