import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresTarget } from '../../adapters/postgres/postgres-target.js';
import { meetingsProjector } from '../../projectors/postgres/index.js';
import { createRunners } from '../../projections.js';
import { ProjectionWorker } from '../../runner/projection-worker.js';
import { projectedRows } from '../../testing/read-model-rows.js';
import { runScenario } from '../../testing/scenario.js';
import { READ_MODEL_TABLES } from './read-model-tables.js';
import { rebuildPostgresProjection } from './rebuild-postgres-projection.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../cli/projections.ts');
const TABLES = READ_MODEL_TABLES.meetings!.owns;
const logger = pino({ level: 'silent' });
let db: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 12 });
  pool.on('error', () => undefined);
  store = new PostgresEventStore(pool);
  // 100,000 events in four interleaved lanes, as the projection bench makes them.
  await Promise.all(
    [0, 1, 2, 3].map((i) => runScenario(store, { seed: 700 + i, users: 100, meetings: 250, events: 25_000 })),
  );
});

after(async () => {
  await pool.end();
  await db.drop();
});

/** The live meetings projection, as the worker runs it (it needs no Redis: the client never connects). */
function liveWorker(): ProjectionWorker {
  const deps = {
    pool,
    redis: new Redis({ lazyConnect: true }),
    redisKeyPrefix: '',
    logger,
    batchSize: 500,
    pollIntervalMs: 10,
    maxAttempts: 2,
    notifyMaxAgeSeconds: 600,
  };
  const worker = new ProjectionWorker(
    createRunners(deps, [{ projector: meetingsProjector, target: new PostgresTarget(pool) }]),
    logger,
  );
  worker.start();
  return worker;
}

async function meetingsCaughtUp(): Promise<void> {
  for (let i = 0; i < 1_200; i++) {
    const { rows } = await pool.query<{ done: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM projection_checkpoints c, (
           SELECT transaction_id::text AS t, global_position AS p FROM es_events
           ORDER BY transaction_id DESC, global_position DESC LIMIT 1) h
         WHERE c.projection = 'meetings' AND c.transaction_id::text = h.t AND c.global_position = h.p) AS done`,
    );
    if (rows[0]!.done) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the meetings projection did not catch up');
}

/**
 * One statement, one snapshot: the meetings projection's checkpoint, and how many meetings whose
 * stream has events up to it are missing from `meetings` or show an older stream version than
 * the last of those events. Read-your-writes promises both are zero.
 */
const READ_CHECK = `
  WITH c AS (SELECT transaction_id, global_position FROM projection_checkpoints WHERE projection = 'meetings'),
  expected AS (
    SELECT substr(e.stream_id, 9)::uuid AS id, max(e.stream_version) AS version
    FROM es_events e, c
    WHERE e.stream_id LIKE 'meeting-%'
      AND (e.transaction_id::text::numeric, e.global_position)
        <= (c.transaction_id::text::numeric, c.global_position)
    GROUP BY 1)
  SELECT (SELECT global_position FROM c)::bigint AS at,
    count(*) FILTER (WHERE m.id IS NULL)::int AS missing,
    count(*) FILTER (WHERE m.last_stream_version < x.version)::int AS stale,
    (SELECT count(*) FROM meetings)::int AS meetings
  FROM expected x LEFT JOIN meetings m ON m.id = x.id`;

test('queries keep answering during a blue/green rebuild of 100,000 events, never missing or stale past read-your-writes', async () => {
  const worker = liveWorker();
  try {
    await meetingsCaughtUp();
    let stop = false;
    const reads = { count: 0, failures: [] as string[], lastAt: 0, lastMeetings: 0 };
    const reader = (async () => {
      while (!stop) {
        const { rows } = await pool.query<{ at: string; missing: number; stale: number; meetings: number }>(
          READ_CHECK,
        );
        const r = rows[0]!;
        reads.count++;
        if (r.missing || r.stale) reads.failures.push(`at ${r.at}: ${r.missing} missing, ${r.stale} stale`);
        if (Number(r.at) < reads.lastAt)
          reads.failures.push(`checkpoint went back from ${reads.lastAt} to ${r.at}`);
        if (r.meetings < reads.lastMeetings)
          reads.failures.push(`meetings went from ${reads.lastMeetings} to ${r.meetings}`);
        reads.lastAt = Number(r.at);
        reads.lastMeetings = r.meetings;
      }
    })();
    // Commands keep coming while the rebuild runs: the live run applies them, the switch keeps them.
    const writer = runScenario(store, { seed: 790, users: 20, meetings: 40, events: 4_000 });
    const phases: string[] = [];
    const result = await rebuildPostgresProjection({ pool, logger, batchSize: 500 }, meetingsProjector, {
      onProgress: (p) => phases.at(-1) !== p.phase && phases.push(p.phase),
    });
    await writer;
    await meetingsCaughtUp();
    stop = true;
    await reader;
    assert.deepEqual(reads.failures, []);
    assert.ok(reads.count > 20, `the reader kept reading (${reads.count} reads)`);
    assert.deepEqual(phases, ['building', 'indexing', 'catching-up', 'switching', 'switched']);
    assert.equal(result.resumed, false);
  } finally {
    await worker.stop();
  }
  // What the switched-in tables and the live run made equals a rebuild from nothing.
  const live = await projectedRows(pool, TABLES);
  await rebuildPostgresProjection({ pool, logger, batchSize: 2_000 }, meetingsProjector);
  assert.deepEqual(await projectedRows(pool, TABLES), live);
});

test('a rebuild SIGKILLed mid-load leaves the live tables untouched, and the next rebuild resumes it', async () => {
  const before = await projectedRows(pool, TABLES);
  const child = startCli('rebuild', 'meetings', '--bulk-batch-size', '2000');
  // Killed once the generation holds some of the log, well before its end.
  for (let i = 0; ; i++) {
    const { rows } = await pool.query<{ at: string }>(
      `SELECT c.global_position::text AS at FROM projection_generations g
       JOIN projection_checkpoints c ON c.projection = g.projection || '@' || g.generation
       WHERE g.projection = 'meetings' AND g.state = 'building'`,
    );
    if (rows[0] && Number(rows[0].at) > 10_000) break;
    assert.ok(i < 1_200, `the rebuild made no progress: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.process.kill('SIGKILL');
  assert.equal(await child.exited, 'SIGKILL');

  assert.deepEqual(await projectedRows(pool, TABLES), before, 'the live tables are untouched');
  const building = await pool.query(`SELECT phase FROM projection_generations WHERE state = 'building'`);
  assert.deepEqual(building.rows, [{ phase: 'loading' }]);

  // The CLI again, to the end: it continues the same generation and switches it in.
  const again = startCli('rebuild', 'meetings');
  assert.equal(await again.exited, 0, again.stderr());
  assert.match(again.stdout(), /^rebuilt meetings \(generation [0-9a-f]{10}, resumed\) in/);
  assert.deepEqual(await projectedRows(pool, TABLES), before);
  const left = await pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'`);
  assert.deepEqual(left.rows, []);
});

/** The projections CLI as `npm run projections -- ...` runs it, against the test database. */
function startCli(...args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: `test:${randomBytes(4).toString('hex')}:`,
  };
  delete env.KAFKA_BROKERS;
  delete env.MONGO_URL;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { process: child, exited, stdout: () => stdout, stderr: () => stderr };
}
