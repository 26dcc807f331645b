/**
 * npm run bench:project — projection throughput: rebuild the PostgreSQL read tables from a log of
 * 100,000 events, beside a raw baseline in the same run that writes the very rows the rebuild
 * produced with plain batched INSERTs (500 rows a statement) into identical tables.
 */
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresTarget } from '../src/adapters/postgres/postgres-target.js';
import { loadConfig } from '../src/config.js';
import { createProjections, createRunners } from '../src/projections.js';
import { rebuildPostgresProjection } from '../src/rebuild/postgres/rebuild-postgres-projection.js';
import { SharedLogReader } from '../src/rebuild/shared-log-reader.js';
import { projectedRows } from '../src/testing/read-model-rows.js';
import { ProjectionWorker } from '../src/runner/projection-worker.js';
import { runScenario } from '../src/testing/scenario.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const config = loadConfig();
const LANES = 4;
const TABLES = [
  'users',
  'meetings',
  'meeting_participants',
  'meeting_rooms',
  'meeting_recordings',
  'media_streams',
  'signaling_messages',
  'meeting_invitations',
  'meeting_bans',
  'operation_logs',
];

const db = await createTestDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 12 });
pool.on('error', () => undefined);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
try {
  let started = Date.now();
  const store = new PostgresEventStore(pool);
  const lanes = await Promise.all(
    Array.from({ length: LANES }, (_, i) =>
      runScenario(store, { seed: 100 + i, users: 100, meetings: 250, events: EVENTS / LANES }),
    ),
  );
  const total = lanes.reduce((n, l) => n + l.events, 0);
  console.log(`generated ${total} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // The rebuild: every PostgreSQL projection from the start of the log until it stands at the head.
  const deps = {
    pool,
    redis,
    redisKeyPrefix: '',
    logger: pino({ level: 'silent' }),
    // The worker's own settings (PROJECTION_BATCH_SIZE ...), as `npm start` would run it.
    batchSize: config.PROJECTION_BATCH_SIZE,
    pollIntervalMs: config.PROJECTION_POLL_INTERVAL_MS,
    maxAttempts: config.PROJECTION_MAX_ATTEMPTS,
    notifyMaxAgeSeconds: config.NOTIFY_MAX_AGE_SECONDS,
  };
  // BENCH_PROJECTIONS=meetings,chat rebuilds only those (to see one projection's own cost).
  const only = process.env.BENCH_PROJECTIONS?.split(',');
  // The PostgreSQL read tables only: the baseline below inserts their rows.
  const projections = createProjections(deps).filter(
    (p) => p.target instanceof PostgresTarget && (!only || only.includes(p.projector.name)),
  );
  const worker = new ProjectionWorker(createRunners(deps, projections), deps.logger);
  const head = await pool.query<{ tx: string; pos: string }>(
    'SELECT transaction_id::text AS tx, global_position::text AS pos FROM es_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
  );
  started = Date.now();
  worker.start();
  const done = new Map<string, number>();
  while (done.size < projections.length) {
    const { rows } = await pool.query<{ projection: string }>(
      'SELECT projection FROM projection_checkpoints WHERE transaction_id = $1 AND global_position = $2',
      [head.rows[0]!.tx, head.rows[0]!.pos],
    );
    for (const { projection } of rows)
      if (!done.has(projection)) done.set(projection, (Date.now() - started) / 1000);
    await new Promise((r) => setTimeout(r, 20));
  }
  const rebuildSeconds = (Date.now() - started) / 1000;
  await worker.stop();

  // A fast rebuild that skipped events would be no result: every public event must be in the audit log.
  const audit = createProjections(deps).find((p) => p.projector.name === 'operation-logs')!.projector;
  const check = await pool.query<{ logged: number; events: number; dead: number }>(
    `SELECT (SELECT count(*)::int FROM operation_logs) AS logged,
       (SELECT count(*)::int FROM es_events WHERE type = ANY($1::text[])) AS events,
       (SELECT count(*)::int FROM projection_dead_letters) AS dead`,
    [audit.eventTypes],
  );
  const { logged, events, dead } = check.rows[0]!;
  const audited = projections.some((p) => p.projector === audit);
  if ((audited && logged !== events) || dead > 0)
    throw new Error(`rebuild incomplete: ${logged} of ${events} events logged, ${dead} dead letters`);

  // The baseline: the same rows, inserted in batches into empty copies of the tables.
  let rows = 0;
  for (const table of TABLES) await pool.query(`CREATE TABLE raw_${table} (LIKE ${table} INCLUDING ALL)`);
  const dumps = await Promise.all(TABLES.map((t) => pool.query(`SELECT * FROM ${t}`)));
  started = Date.now();
  for (const [i, table] of TABLES.entries()) {
    const { rows: data, fields } = dumps[i]!;
    rows += data.length;
    // Generated columns (media_streams.room_id) take no values: the table computes them in both runs.
    const generated = await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND is_generated = 'ALWAYS'`,
      [table],
    );
    const computed = new Set(generated.rows.map((r) => r.column_name));
    const columns = fields.map((f) => f.name).filter((c) => !computed.has(c));
    for (let offset = 0; offset < data.length; offset += 500) {
      const page = data.slice(offset, offset + 500);
      const values: unknown[] = [];
      const tuples = page.map((row: Record<string, unknown>) => {
        const slots = columns.map((c) => {
          const v = row[c];
          values.push(v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v);
          return `$${values.length}`;
        });
        return `(${slots.join(', ')})`;
      });
      await pool.query(
        `INSERT INTO raw_${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
  }
  const rawSeconds = (Date.now() - started) / 1000;

  // Blue/green: a new generation of every projection's tables beside the live ones, bulk-loaded,
  // indexed, caught up and switched in; the projections side by side, as the worker runs them.
  const before = await projectedRows(pool, TABLES);
  // Each rebuild holds its lock's connection, a batch's transaction and a read of the log.
  const rebuildPool = new pg.Pool({ connectionString: db.url, max: 4 * projections.length });
  started = Date.now();
  // BENCH_REBUILD_CONCURRENCY rebuilds at a time (default: all of them, as the worker runs them).
  const concurrency = Number(process.env.BENCH_REBUILD_CONCURRENCY ?? projections.length);
  const queue = [...projections];
  // As `rebuild` of several projections runs them: their bulk loads read the log once, together
  // (only when all run at once: a queued one would hold the shared read back). BENCH_SHARED_LOG=0:
  // each reads the log alone.
  const sharedLog = new SharedLogReader(new PostgresEventStore(rebuildPool), {
    pageSize: config.PROJECTION_REBUILD_BULK_BATCH_SIZE,
  });
  const share = process.env.BENCH_SHARED_LOG !== '0' && concurrency >= projections.length;
  const readers = new Map(share ? projections.map((p) => [p, sharedLog.reader()] as const) : []);
  const rebuilt: Awaited<ReturnType<typeof rebuildPostgresProjection>>[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        rebuilt.push(
          await rebuildPostgresProjection(
            {
              pool: rebuildPool,
              logger: deps.logger,
              batchSize: deps.batchSize,
              bulkBatchSize: config.PROJECTION_REBUILD_BULK_BATCH_SIZE,
              ...(readers.has(p) ? { sharedLog: readers.get(p)! } : {}),
            },
            p.projector,
          ),
        );
      }
    }),
  );
  const blueGreenSeconds = (Date.now() - started) / 1000;
  await rebuildPool.end();
  if (JSON.stringify(await projectedRows(pool, TABLES)) !== JSON.stringify(before))
    throw new Error('the blue/green rebuild did not reproduce the read tables');

  console.log(`projection rebuild of ${total} events into ${rows} rows (${projections.length} projections)`);
  console.log(`  rows: ${TABLES.map((t, i) => `${t} ${dumps[i]!.rows.length}`).join(', ')}`);
  console.log(
    `  raw batched INSERTs of the same rows: ${(total / rawSeconds).toFixed(0)} events/s (${rawSeconds.toFixed(2)} s)`,
  );
  console.log(
    `  projection rebuild:                   ${(total / rebuildSeconds).toFixed(0)} events/s (${rebuildSeconds.toFixed(2)} s)`,
  );
  console.log(`  in-place rebuild ratio: ${(rawSeconds / rebuildSeconds).toFixed(2)}x (target >= 0.50x)`);
  console.log(
    `  blue/green rebuild:                   ${(total / blueGreenSeconds).toFixed(0)} events/s (${blueGreenSeconds.toFixed(2)} s)`,
  );
  console.log(
    `  per projection (s, blue/green): ${rebuilt.map((r) => `${r.projection} ${r.seconds.toFixed(1)}`).join(', ')}`,
  );
  console.log(`blue/green rebuild ratio: ${(rawSeconds / blueGreenSeconds).toFixed(2)}x (target >= 1.00x)`);
  console.log(
    `  per projection (s to reach the head): ${[...done].map(([p, s]) => `${p} ${s.toFixed(1)}`).join(', ')}`,
  );
} finally {
  redis.disconnect();
  await pool.end();
  await db.drop();
}
