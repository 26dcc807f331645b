import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { currentSchemaVersion, streams } from '@meetings/events';
import type { EventType, NewEvent } from '@meetings/events';
import pg from 'pg';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { PostgresTarget } from '../../adapters/postgres/postgres-target.js';
import { aiTasksProjector } from '../../projectors/postgres/index.js';
import { createProjections, createRunners } from '../../projections.js';
import type { Projection } from '../../projections.js';
import { ProjectionWorker } from '../../runner/projection-worker.js';
import { projectedRows } from '../../testing/read-model-rows.js';
import { runScenario } from '../../testing/scenario.js';
import { dropRetiredGenerations } from './generations.js';
import { READ_MODEL_TABLES } from './read-model-tables.js';
import { rebuildPostgresProjection } from './rebuild-postgres-projection.js';
import { rebuildProjections } from '../rebuild-projection.js';

const ALL_TABLES = Object.values(READ_MODEL_TABLES).flatMap((t) => t.owns);
const logger = pino({ level: 'silent' });
let db: TestDatabase;
let pool: pg.Pool;
let redis: Redis;

const deps = () => ({
  pool,
  redis,
  redisKeyPrefix: `test:rebuild:${process.pid}:`,
  logger,
  batchSize: 250,
  pollIntervalMs: 10,
  maxAttempts: 2,
  notifyMaxAgeSeconds: 600,
});

const postgresProjections = (): Projection[] =>
  createProjections(deps()).filter((p) => p.target instanceof PostgresTarget);

async function caughtUp(names: readonly string[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await pool.query<{ behind: number }>(
      `SELECT count(*)::int AS behind FROM unnest($1::text[]) AS p(name)
       WHERE NOT EXISTS (SELECT 1 FROM projection_checkpoints c, (
           SELECT transaction_id, global_position FROM es_events
           ORDER BY transaction_id DESC, global_position DESC LIMIT 1) h
         WHERE c.projection = p.name AND c.transaction_id::text = h.transaction_id::text
           AND c.global_position = h.global_position)`,
      [names],
    );
    if (rows[0]!.behind === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('projections did not catch up');
}

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 12 });
  pool.on('error', () => undefined);
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
});

after(async () => {
  redis.disconnect();
  await pool.end();
  await db.drop();
});

test('every PostgreSQL projection rebuilds blue/green beside its live run, and the live run carries on in the new tables', async () => {
  const store = new PostgresEventStore(pool);
  await runScenario(store, { seed: 31, users: 40, meetings: 60, events: 3_000 });
  const projections = postgresProjections();
  const names = projections.map((p) => p.projector.name);
  const worker = new ProjectionWorker(createRunners(deps(), projections), logger);
  worker.start();
  try {
    await caughtUp(names);
    const before = await projectedRows(pool, ALL_TABLES);
    // A row no event can produce: a rebuild must replace the tables, not merge into them.
    await pool.query(`UPDATE meetings SET title = 'tampered' WHERE id = (SELECT id FROM meetings LIMIT 1)`);
    for (const { projector } of projections) {
      const result = await rebuildPostgresProjection(
        { pool, logger, batchSize: 250, bulkBatchSize: 1_000 },
        projector,
      );
      assert.equal(result.resumed, false);
      assert.ok(result.switchedAt, `${projector.name} switched at a position`);
    }
    assert.deepEqual(await projectedRows(pool, ALL_TABLES), before);

    // The live runs found their checkpoints moved and resumed against the switched-in tables.
    await runScenario(store, { seed: 32, users: 10, meetings: 10, events: 800 });
    await caughtUp(names);
    const live = await projectedRows(pool, ALL_TABLES);
    // All side by side, as `rebuild <name>...` runs them: one read of the log, and batches big
    // enough for their new rows to be COPYed straight into the generation's tables.
    const wide = new pg.Pool({ connectionString: db.url, max: 40 });
    try {
      const results = await rebuildProjections(
        { pool: wide, logger, projections, batchSize: 250, bulkBatchSize: 5_000, liveReadsKafka: false },
        names,
      );
      assert.deepEqual(
        results.map((r) => r.projection),
        names,
      );
    } finally {
      await wide.end();
    }
    assert.deepEqual(await projectedRows(pool, ALL_TABLES), live, 'the live run kept the new tables right');
  } finally {
    await worker.stop();
  }

  // Each switched-out generation waits in its retired schema until its grace period is over.
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'retired\\_%'`,
  );
  assert.equal(rows[0]!.n, projections.length * 2);
  assert.deepEqual(await dropRetiredGenerations(pool, 3_600), []);
  assert.equal((await dropRetiredGenerations(pool, 0)).length, projections.length * 2);
  const left = await pool.query(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'retired\\_%' OR nspname LIKE 'rebuild\\_%'`,
  );
  assert.deepEqual(left.rows, []);
  // The view over the meetings tables reads the switched-in tables.
  await pool.query('SELECT * FROM active_meetings_stats');
});

const event = (type: EventType, data: unknown): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: currentSchemaVersion(type),
  data,
  metadata: { correlationId: randomUUID(), causationId: null, actorUserId: null, idempotencyKey: null },
  occurredAt: new Date(),
});

test('a rebuilt ai_tasks keeps the queue columns of its own, which no event sets: no task is handed out again', async () => {
  const store = new PostgresEventStore(pool);
  const meetingId = randomUUID();
  const tasks = [randomUUID(), randomUUID()];
  for (const taskId of tasks) {
    await store.appendToStream(
      streams.aiTask(taskId),
      [
        event('AiTaskRequested', {
          taskId,
          meetingId,
          recordingId: null,
          taskType: 'speaking_time',
          priority: 5,
          requestedBy: null,
        }),
      ],
      'no_stream',
    );
  }
  const projections = [{ projector: aiTasksProjector, target: new PostgresTarget(pool) }];
  const worker = new ProjectionWorker(createRunners(deps(), projections), logger);
  worker.start();
  try {
    await caughtUp(['ai-tasks']);
    // The first task was handed to a worker, which holds its lease; the second was settled.
    await pool.query(
      `UPDATE ai_tasks SET dispatched_at = now(), deliveries = 2, lease_owner = 'w1',
         lease_expires_at = now() + interval '1 minute' WHERE task_id = $1`,
      [tasks[0]],
    );
    await pool.query(`UPDATE ai_tasks SET deliveries = 1, settled_at = now() WHERE task_id = $1`, [tasks[1]]);
    const queue = `SELECT task_id, dispatched_at, deliveries, lease_owner, lease_expires_at, settled_at, dead_lettered_at
      FROM ai_tasks WHERE task_id = ANY($1::uuid[]) ORDER BY task_id`;
    const before = (await pool.query(queue, [tasks])).rows;
    await rebuildPostgresProjection({ pool, logger, batchSize: 100 }, aiTasksProjector);
    assert.deepEqual((await pool.query(queue, [tasks])).rows, before);
  } finally {
    await worker.stop();
  }
});
