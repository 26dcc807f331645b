import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createProjections, createRunners, projectionNames } from './projections.js';
import { ProjectionWorker } from './runner/projection-worker.js';
import { waitUntilCaughtUp } from './testing/caught-up.js';
import { copyEventLog } from './testing/log-copy.js';
import { dumpRedis, dumpTables } from './testing/read-model-dump.js';
import { prng, runScenario } from './testing/scenario.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = () => `test:${randomBytes(6).toString('hex')}:`;

let live: TestDatabase;
let clean: TestDatabase;
const livePrefix = prefix();
const cleanPrefix = prefix();
const pools: pg.Pool[] = [];

function poolOf(db: TestDatabase) {
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  pools.push(pool);
  return pool;
}

before(async () => {
  [live, clean] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});
after(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await Promise.all([
    live.drop(),
    clean.drop(),
    deleteKeys(redisUrl, livePrefix),
    deleteKeys(redisUrl, cleanPrefix),
  ]);
});

function startWorker(logLevel = 'error'): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: live.url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: livePrefix,
      LOG_LEVEL: logLevel,
      PROJECTION_BATCH_SIZE: '200',
      PROJECTION_POLL_INTERVAL_MS: '10',
    },
    stdio: ['ignore', logLevel === 'error' ? 'ignore' : 'pipe', 'inherit'],
  });
}

/** Resolves once the worker has logged that it runs (and so handles SIGTERM). */
function running(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes('projection-workers running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it ran`)));
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', r));

test(
  'SIGKILL the worker at random points during 20,000 events: after a restart the read models equal a clean rebuild',
  { timeout: 600_000 },
  async () => {
    const livePool = poolOf(live);
    const names = projectionNames();

    // Writers append the history while the worker is killed and restarted underneath them.
    const appending = runScenario(new PostgresEventStore(livePool), {
      seed: 42,
      users: 80,
      meetings: 200,
      events: 20_000,
    });
    let writing = true;
    void appending.finally(() => (writing = false));
    const rnd = prng(4242);
    let kills = 0;
    while (writing || kills < 5) {
      const worker = startWorker();
      await new Promise((r) => setTimeout(r, 300 + rnd.int(1500)));
      worker.kill('SIGKILL');
      await exited(worker);
      kills += 1;
    }
    const { events } = await appending;
    assert.ok(events >= 20_000);

    // Caught up may already be true: SIGTERM must not reach the worker while it is still loading.
    const last = startWorker('info');
    try {
      await running(last);
      await waitUntilCaughtUp(livePool, redisUrl, livePrefix, names);
    } finally {
      last.kill('SIGTERM');
      await exited(last);
    }
    assert.equal(last.exitCode, 0, 'SIGTERM is a graceful stop');

    // The clean rebuild: the same log in a fresh database, projected once, never interrupted.
    const cleanPool = poolOf(clean);
    assert.equal(await copyEventLog(livePool, cleanPool), events);
    const redis = new Redis(redisUrl, { keyPrefix: cleanPrefix });
    const deps = {
      pool: cleanPool,
      redis,
      redisKeyPrefix: cleanPrefix,
      logger: pino({ level: 'silent' }),
      batchSize: 500,
      pollIntervalMs: 10,
      maxAttempts: 3,
      notifyMaxAgeSeconds: 600,
    };
    const worker = new ProjectionWorker(createRunners(deps, createProjections(deps)), deps.logger);
    worker.start();
    await waitUntilCaughtUp(cleanPool, redisUrl, cleanPrefix, names);
    await worker.stop();
    redis.disconnect();

    console.log(`killed the worker ${kills} times while ${events} events were appended`);
    const [liveTables, cleanTables] = await Promise.all([dumpTables(livePool), dumpTables(cleanPool)]);
    for (const table of Object.keys(cleanTables)) {
      assert.ok(cleanTables[table]!.length > 0, `${table} has rows`);
      assert.deepEqual(liveTables[table], cleanTables[table], `${table} equals the clean rebuild`);
    }
    assert.deepEqual(
      await dumpRedis(redisUrl, livePrefix),
      await dumpRedis(redisUrl, cleanPrefix),
      'Redis equals the clean rebuild',
    );
    const deadLetters = await livePool.query('SELECT count(*)::int AS n FROM projection_dead_letters');
    assert.equal(deadLetters.rows[0].n, 0);
  },
);
