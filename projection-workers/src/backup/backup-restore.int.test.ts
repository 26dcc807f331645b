import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { deleteKeys } from '@meetings/command-service/testing';
import {
  BackupFormatError,
  DatabaseNotEmptyError,
  migrate,
  PostgresEventStore,
  writeBackup,
} from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { currentSchemaVersion, streams } from '@meetings/events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createProjections } from '../projections.js';
import type { ProjectionDeps } from '../projections.js';
import { roomCache } from '../testing/local-profile.js';
import { readTables } from '../testing/read-tables.js';
import { runScenario } from '../testing/scenario.js';
import { rebuildProjections, ProjectionNotEmptyError } from './rebuild-projections.js';
import { restoreBackup } from './restore.js';
import type { TransactionIdMode } from '@meetings/db';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const EVENTS = Number(process.env.BACKUP_TEST_EVENTS ?? 5_000);

interface Side {
  db: TestDatabase;
  pool: pg.Pool;
  redis: Redis;
  prefix: string;
  deps: ProjectionDeps;
}

const sides: Side[] = [];

/** A database (migrated as the restore CLI does it, from nothing) and a Redis key prefix of its own. */
async function side(prefix = `test:${randomBytes(6).toString('hex')}:`): Promise<Side> {
  const db = await createTestDatabase({ migrate: false });
  await migrate(db.url, 'latest');
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined);
  const redis = new Redis(redisUrl, { keyPrefix: prefix });
  const deps: ProjectionDeps = {
    pool,
    redis,
    redisKeyPrefix: prefix,
    logger: pino({ level: 'silent' }),
    batchSize: 2000,
    pollIntervalMs: 10,
    maxAttempts: 3,
    notifyMaxAgeSeconds: 600,
  };
  const s = { db, pool, redis, prefix, deps };
  sides.push(s);
  return s;
}

async function rows(pool: pg.Pool, sql: string): Promise<string[]> {
  return (await pool.query<{ r: string }>(sql)).rows.map((r) => r.r);
}

const LOG = `SELECT row_to_json(e)::text AS r FROM es_events e ORDER BY global_position`;
const LOG_ORDER = `SELECT global_position::text AS r FROM es_events ORDER BY transaction_id, global_position`;
const LOG_WITHOUT_TX = `SELECT (to_jsonb(e) - 'transaction_id')::text AS r FROM es_events e ORDER BY global_position`;
const STATE = [
  `SELECT row_to_json(t)::text AS r FROM command_idempotency t ORDER BY scope, key`,
  `SELECT row_to_json(t)::text AS r FROM personal_data_keys t ORDER BY user_id`,
  `SELECT row_to_json(t)::text AS r FROM personal_data_secrets t ORDER BY name`,
];

let dir: string;
let source: Side;
let file: string;
let originalTables: Record<string, string[]>;
let originalRedis: Record<string, unknown>;

/** AI tasks (the scenario has none): requested, one settled by the queue, one leased. */
async function appendAiTasks(store: PostgresEventStore): Promise<string[]> {
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  for (const taskId of ids) await appendAiTasksTo(store, streams.aiTask(taskId));
  return ids;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backup-test-'));
  source = await side();
  const store = new PostgresEventStore(source.pool);
  let t = Date.now();
  const scenario = await runScenario(store, { seed: 1313, users: 60, meetings: 80, events: EVENTS });
  const tasks = await appendAiTasks(store);
  // The write side's own state, as the command service leaves it.
  await source.pool.query(
    `INSERT INTO command_idempotency (scope, key, request_hash, state, status_code, response_headers, response_body, completed_at)
     VALUES ('user:1', 'k-1', 'h1', 'completed', 201, '{"etag": "\\"3\\""}', '{"position": 12345678901234567}', now()),
            ('user:2', 'k-2', 'h2', 'in_progress', NULL, NULL, NULL, NULL)`,
  );
  await source.pool.query(
    `INSERT INTO personal_data_keys (user_id, key, created_at, destroyed_at)
     VALUES ($1, $3, now(), NULL), ($2, NULL, now() - interval '1 day', now())`,
    [randomUUID(), randomUUID(), randomBytes(32)],
  );
  console.log(`scenario: ${Date.now() - t} ms`);
  t = Date.now();
  await rebuildProjections(source.deps, createProjections(source.deps));
  console.log(`source projections: ${Date.now() - t} ms`);
  await source.pool.query(
    `UPDATE ai_tasks SET dispatched_at = now(), deliveries = 1, settled_at = now() WHERE task_id = $1`,
    [tasks[0]],
  );
  await source.pool.query(
    `UPDATE ai_tasks SET dispatched_at = now(), deliveries = 2, lease_owner = 'w-1', lease_expires_at = now() + interval '1 minute'
     WHERE task_id = $1`,
    [tasks[1]],
  );
  originalTables = await readTables(source.pool);
  for (const table of [
    'users',
    'meetings',
    'meeting_participants',
    'signaling_messages',
    'operation_logs',
    'ai_tasks',
  ]) {
    assert.ok(originalTables[table]!.length > 0, `the scenario fills ${table}`);
  }
  originalRedis = await roomCache(source.prefix);
  file = join(dir, 'backup.jsonl.gz');
  const started = Date.now();
  const summary = await writeBackup(source.pool, createWriteStream(file));
  console.log(
    `backup of ${scenario.events + tasks.length} events: ${Date.now() - started} ms, ${summary.bytes} bytes`,
  );
});

after(async () => {
  for (const s of sides) {
    s.redis.disconnect();
    await s.pool.end();
    await Promise.all([s.db.drop(), deleteKeys(redisUrl, s.prefix)]);
  }
  await rm(dir, { recursive: true, force: true });
});

async function restoreInto(target: Side, path: string, transactionIds: TransactionIdMode = 'auto') {
  return restoreBackup({
    deps: target.deps,
    projections: createProjections(target.deps),
    open: () => Promise.resolve(createReadStream(path)),
    transactionIds,
  });
}

describe('backup and restore', () => {
  for (const mode of ['auto', 'remap'] as const) {
    test(`a restore (${mode} transaction ids) equals the original: log, state and every read model`, async () => {
      const target = await side();
      const result = await restoreInto(target, file, mode);
      console.log(
        `restore (${result.load.transactionIds}): load ${result.loadMs} ms, rebuild ${result.rebuildMs} ms`,
      );
      assert.equal(result.load.transactionIds, mode === 'auto' ? 'preserved' : 'remapped');
      if (mode === 'auto') assert.deepEqual(await rows(target.pool, LOG), await rows(source.pool, LOG));
      else assert.deepEqual(await rows(target.pool, LOG_WITHOUT_TX), await rows(source.pool, LOG_WITHOUT_TX));
      assert.deepEqual(await rows(target.pool, LOG_ORDER), await rows(source.pool, LOG_ORDER));
      for (const sql of STATE) assert.deepEqual(await rows(target.pool, sql), await rows(source.pool, sql));
      const restored = await readTables(target.pool);
      for (const table of Object.keys(originalTables)) {
        assert.deepEqual(restored[table], originalTables[table], `table ${table}`);
      }
      assert.ok(originalTables.ai_tasks!.some((r) => r.includes('"lease_owner": "w-1"')));
      assert.deepEqual(await roomCache(target.prefix), originalRedis);
      // New appends come after every restored event in the log's order, and are read.
      const store = new PostgresEventStore(target.pool);
      const { rows: max } = await target.pool.query<{ tx: string; pos: string }>(
        `SELECT max(transaction_id::text::bigint)::text AS tx, max(global_position)::text AS pos FROM es_events`,
      );
      const streamId = streams.aiTask(randomUUID());
      await appendAiTasksTo(store, streamId);
      const { rows: added } = await target.pool.query<{ tx: string; pos: string }>(
        `SELECT transaction_id::text AS tx, global_position::text AS pos FROM es_events WHERE stream_id = $1`,
        [streamId],
      );
      assert.ok(BigInt(added[0]!.tx) > BigInt(max[0]!.tx));
      assert.equal(BigInt(added[0]!.pos), BigInt(max[0]!.pos) + 1n);
    });
  }

  test('a restore into a database that holds data is refused, nothing written', async () => {
    const before = await rows(source.pool, LOG);
    await assert.rejects(restoreInto(source, file), (e: Error) => {
      assert.ok(e instanceof DatabaseNotEmptyError);
      assert.match(e.message, /not empty \(es_events, command_idempotency, personal_data_keys, users/);
      return true;
    });
    assert.deepEqual(await rows(source.pool, LOG), before);
  });

  test('a restore whose Redis already holds the room cache is refused before it writes', async () => {
    const target = await side(source.prefix);
    await assert.rejects(restoreInto(target, file), ProjectionNotEmptyError);
    assert.equal((await target.pool.query('SELECT count(*)::int AS n FROM es_events')).rows[0].n, 0);
  });

  const corruptions: [string, (bytes: Buffer) => Buffer, RegExp][] = [
    ['truncated', (b) => b.subarray(0, Math.floor(b.length / 2)), /not a readable backup|truncated/],
    [
      'cut after a whole line',
      (b) => gzipSync(gunzipSync(b).subarray(0, gunzipSync(b).lastIndexOf('\nE ') + 1)),
      /truncated/,
    ],
    [
      'a flipped byte',
      (b) => flip(b, Math.floor(b.length / 2)),
      /not a readable backup|checksum|not JSON|not a row|unknown line|section/,
    ],
    ['a changed gzip checksum', (b) => flip(b, b.length - 6), /not a readable backup/],
    [
      'a changed row, recompressed',
      (b) =>
        gzipSync(Buffer.from(gunzipSync(b).toString().replace('"stream_version":1,', '"stream_version":2,'))),
      /checksum mismatch/,
    ],
    [
      'a row made invalid JSON, recompressed',
      (b) =>
        gzipSync(
          Buffer.from(gunzipSync(b).toString().replace('"stream_version":1,', '"stream_version":1,,')),
        ),
      /checksum mismatch/,
    ],
    ['not a backup', () => gzipSync('hello\n'), /not a backup file/],
    ['not gzip', () => Buffer.from('H {}\n'), /not a readable backup/],
  ];
  for (const [name, corrupt, message] of corruptions) {
    test(`a backup file ${name} is refused and leaves the database empty`, async () => {
      const bad = join(dir, `${name.replace(/\W/g, '-')}.gz`);
      await writeFile(bad, corrupt(await readFile(file)));
      const target = await side();
      await assert.rejects(restoreInto(target, bad), (e: Error) => {
        assert.ok(e instanceof BackupFormatError, `${e.name}: ${e.message}`);
        assert.match(e.message, message);
        return true;
      });
      const { rows: counts } = await target.pool.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM es_events) + (SELECT count(*) FROM personal_data_keys) +
                (SELECT count(*) FROM command_idempotency) + (SELECT count(*) FROM users) AS n`,
      );
      assert.equal(Number(counts[0]!.n), 0);
      assert.ok((await stat(bad)).size > 0);
    });
  }
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

async function appendAiTasksTo(store: PostgresEventStore, streamId: string): Promise<void> {
  const taskId = streamId.slice('aitask-'.length);
  await store.appendToStream(
    streamId,
    [
      {
        eventId: randomUUID(),
        type: 'AiTaskRequested',
        schemaVersion: currentSchemaVersion('AiTaskRequested'),
        data: {
          taskId,
          meetingId: randomUUID(),
          recordingId: null,
          taskType: 'speaking_time',
          priority: 0,
          requestedBy: randomUUID(),
        },
        metadata: { correlationId: randomUUID(), causationId: null, actorUserId: null, idempotencyKey: null },
        occurredAt: new Date(),
      },
    ],
    'no_stream',
  );
}
