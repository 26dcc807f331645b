import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { createUpcasterRegistry, currentSchemaVersion, privateCategories } from '@meetings/events';
import type { EventType, NewEvent } from '@meetings/events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { loadCheckpoint } from '../adapters/postgres/postgres-target.js';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { UsageError } from '../ops/errors.js';
import { createProjections, createRunners, projectionNames } from '../projections.js';
import { ProjectionWorker } from '../runner/projection-worker.js';
import { waitUntilCaughtUp } from '../testing/caught-up.js';
import { dumpRedis, dumpTables } from '../testing/read-model-dump.js';
import {
  meetingInviteesKey,
  roomKey,
  roomSettingsKey,
  roomVersionKey,
} from '../projectors/redis/room-cache-projector.js';
import { runScenario } from '../testing/scenario.js';
import type { CliContext } from './context.js';
import { runCli } from './run.js';
import { captureIo } from '../testing/cli-io.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}:`;
let db: TestDatabase;
let pool: pg.Pool;
let redis: Redis;
let ctx: CliContext;

const deps = () => ({
  pool,
  redis,
  redisKeyPrefix: prefix,
  logger: pino({ level: 'silent' }),
  batchSize: 250,
  pollIntervalMs: 10,
  maxAttempts: 2,
  notifyMaxAgeSeconds: 600,
});

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined);
  redis = new Redis(redisUrl, { keyPrefix: prefix });
  const store = new PostgresEventStore(pool);
  await runScenario(store, { seed: 13, users: 30, meetings: 40, events: 1500 });
  const d = deps();
  const projections = createProjections(d);
  const worker = new ProjectionWorker(createRunners(d, projections), d.logger);
  worker.start();
  try {
    await waitUntilCaughtUp(pool, redisUrl, prefix, projectionNames(), 60_000);
  } finally {
    await worker.stop();
  }
  ctx = {
    pool,
    store,
    upcasters: createUpcasterRegistry(),
    projections,
    deadLetters: new PostgresDeadLetterStore(pool),
    logger: d.logger,
    retiredGraceSeconds: 3600,
    batchSize: 250,
    kafkaProfile: false,
    relayName: 'kafka-relay',
    connectPublisher: () => Promise.reject(new UsageError('republish needs KAFKA_BROKERS')),
  };
});
after(async () => {
  redis.disconnect();
  await pool.end();
  await Promise.all([db.drop(), deleteKeys(redisUrl, prefix)]);
});

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(ctx, argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

function newEvent(type: EventType, data: Record<string, unknown>): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: currentSchemaVersion(type),
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actorUserId: null, idempotencyKey: null },
    occurredAt: new Date(),
  };
}

const head = async () =>
  Number(
    (await pool.query<{ p: string }>('SELECT max(global_position)::text AS p FROM es_events')).rows[0]!.p,
  );

test('status: every projection caught up, then the relay lag counts the public events after its checkpoint', async () => {
  const before = await cli('status');
  assert.equal(before.code, 0, before.err);
  for (const name of projectionNames())
    assert.match(
      before.out,
      new RegExp(`^${name} +checkpoint \\d+:\\d+  behind 0 events \\(0\\.0 s\\)  dead letters 0$`, 'm'),
    );
  assert.match(before.out, /^kafka-relay +has not run$/m);

  // A relay checkpoint at the start of the log: every public event is its lag, none of the private.
  const meetingId = randomUUID();
  await new PostgresEventStore(pool).appendToStream(
    `passcode-${meetingId}`,
    [newEvent('PasscodeSet', { meetingId, passcodeHash: 'x' })],
    'no_stream',
  );
  await pool.query(
    `INSERT INTO projection_checkpoints (projection, transaction_id, global_position) VALUES ('kafka-relay', '0', 0)`,
  );
  try {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM es_events WHERE split_part(stream_id, '-', 1) <> ALL($1)`,
      [privateCategories],
    );
    const after = await cli('status');
    assert.equal(after.code, 0, after.err);
    const line = after.out.split('\n').find((l) => l.startsWith('kafka-relay'))!;
    const [, events, seconds] = /behind (\d+) events \(([\d.]+) s\)/.exec(line)!;
    assert.equal(events, rows[0]!.n);
    assert.ok(Number(seconds) > 0, line);
    assert.ok(Number(events) < (await head()), 'private events are not counted');
  } finally {
    await pool.query(`DELETE FROM projection_checkpoints WHERE projection = 'kafka-relay'`);
  }
});

test('replay --stream re-creates a deleted row exactly, without moving the checkpoint', async () => {
  const original = await dumpTables(pool);
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM meetings ORDER BY id LIMIT 1');
  const id = rows[0]!.id;
  const checkpoint = await loadCheckpoint(pool, 'meetings');
  await pool.query('DELETE FROM meetings WHERE id = $1', [id]);

  const result = await cli('replay', 'meetings', '--stream', `meeting-${id}`);
  assert.equal(result.code, 0, result.err);
  assert.match(
    result.out,
    /replayed meetings up to its checkpoint \d+:\d+: [1-9]\d* events applied, 0 failed, 0 past/,
  );
  assert.match(result.err, /replay meetings: \d+ events read/);
  assert.deepEqual(await dumpTables(pool), original);
  assert.deepEqual(await loadCheckpoint(pool, 'meetings'), checkpoint);
});

test('replay --category and --from/--to repair every deleted row, with progress per batch', async () => {
  const original = await dumpTables(pool);
  await pool.query('DELETE FROM meetings');
  const byCategory = await cli('replay', 'meetings', '--category', 'meeting');
  assert.equal(byCategory.code, 0, byCategory.err);
  assert.ok(byCategory.err.split('\n').length > 1, 'progress after each batch');
  assert.deepEqual(await dumpTables(pool), original);

  await pool.query('DELETE FROM users');
  const byRange = await cli('replay', 'users', '--from', '1', '--to', String(await head()));
  assert.equal(byRange.code, 0, byRange.err);
  assert.deepEqual(await dumpTables(pool), original);

  // A range that leaves the users' first events out cannot re-create them: nothing is invented.
  await pool.query('DELETE FROM users');
  const tail = await cli('replay', 'users', '--from', String(await head()), '--to', String(await head()));
  assert.equal(tail.code, 0, tail.err);
  assert.equal((await pool.query('SELECT 1 FROM users')).rowCount, 0);
  await cli('replay', 'users', '--category', 'user');
  assert.deepEqual(await dumpTables(pool), original);
});

test('replay --stream into Redis: the room cache keys of a meeting, deleted, come back as they were', async () => {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM meetings ORDER BY id DESC LIMIT 1');
  const id = rows[0]!.id;
  const withoutQueue = async () => {
    const dump = await dumpRedis(redisUrl, prefix);
    delete dump['queue:notifications'];
    return dump;
  };
  const original = await withoutQueue();
  const keys = [roomKey(id), roomVersionKey(id), roomSettingsKey(id), meetingInviteesKey(id)];
  assert.ok(
    keys.some((k) => k in original),
    'the meeting has a room cache',
  );
  await redis.del(...keys);
  const result = await cli('replay', 'room-cache', '--stream', `meeting-${id}`);
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(await withoutQueue(), original);
});

test('replay leaves events past the checkpoint to the worker', async () => {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM meetings ORDER BY id LIMIT 1');
  const id = rows[0]!.id;
  const title = (await pool.query<{ title: string }>('SELECT title FROM meetings WHERE id = $1', [id]))
    .rows[0]!.title;
  const checkpoint = await loadCheckpoint(pool, 'meetings');
  await new PostgresEventStore(pool).appendToStream(
    `meeting-${id}`,
    [newEvent('MeetingCancelled', { meetingId: id, reason: 'replay test' })],
    'any',
  );
  const result = await cli('replay', 'meetings', '--stream', `meeting-${id}`);
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, /, 1 past the checkpoint left to the worker/);
  assert.deepEqual(await loadCheckpoint(pool, 'meetings'), checkpoint);
  const row = (
    await pool.query<{ title: string; status: string }>('SELECT title, status FROM meetings WHERE id = $1', [
      id,
    ])
  ).rows[0]!;
  assert.equal(row.title, title);
  assert.notEqual(row.status, 'cancelled');

  const status = await cli('status');
  assert.match(status.out, /^meetings +checkpoint \S+ {2}behind 1 events \([\d.]+ s\)/m);
});

test('refused input: a precise message on stderr, exit code 2, nothing applied', async () => {
  const end = await head();
  const cases: [string[], RegExp][] = [
    [['replay', 'nope', '--stream', 'meeting-x'], /^unknown projection "nope"; known: users, meetings/],
    [['replay', 'meetings'], /^give exactly one selection: replay <projection>/],
    [['replay', 'meetings', '--stream', 'a', '--category', 'meeting'], /^give exactly one selection/],
    [['replay', 'meetings', '--from', '5'], /^give exactly one selection/],
    [
      ['replay', 'meetings', '--category', 'meetings'],
      /^unknown category "meetings"; known: user, credentials/,
    ],
    [
      ['replay', 'meetings', '--stream', `meeting-${randomUUID()}`],
      /^stream "meeting-[0-9a-f-]+" has no events$/,
    ],
    [['replay', 'meetings', '--from', '9', '--to', '3'], /^bad position range: --from 9 is after --to 3$/],
    [['replay', 'meetings', '--from', String(end + 1), '--to', String(end + 9)], /past the head of the log/],
    [['replay', 'meetings', '--from', '0', '--to', '3'], /^--from must be a global position .*got "0"$/],
    [['replay', 'meetings', '--from', '1e3', '--to', '3'], /^--from must be a global position/],
    [['replay', 'meetings', '--stream'], /^--stream needs a value$/],
    [['replay', 'meetings', '--bogus', '1'], /^unknown option --bogus; expected --stream/],
    [['republish', '--from', '3', '--to', '2'], /^bad position range/],
    [['republish', '--from', '1'], /^usage: republish --from <position> --to <position>$/],
    [['republish', '--from', '1', '--to', '2'], /^republish needs KAFKA_BROKERS/],
    [['retry', 'x'], /^usage: retry <dead letter id>, got "x"$/],
    [['dead-letters', 'nope'], /^unknown projection "nope"/],
    [['status', 'extra'], /^usage: status$/],
    [
      ['frobnicate'],
      /^usage: npm run projections -- status \| dead-letters \| retry \| replay \| republish \| rebuild \| drop-retired$/,
    ],
    [[], /^usage: npm run projections/],
  ];
  for (const [argv, message] of cases) {
    const result = await cli(...argv);
    assert.equal(result.code, 2, `${argv.join(' ')}: ${result.err}`);
    assert.match(result.err, message, argv.join(' '));
    assert.equal(result.out, '', argv.join(' '));
  }
  // Work that fails is 1, not 2: a dead letter that does not exist.
  const missing = await cli('retry', '999999');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^no dead letter 999999$/);
});

test('in the Kafka profile (no log checkpoint) replay re-applies the whole selection', async () => {
  const original = await dumpTables(pool);
  const saved = await loadCheckpoint(pool, 'meetings');
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM meetings ORDER BY id LIMIT 1 OFFSET 1');
  const id = rows[0]!.id;
  await pool.query('DELETE FROM meetings WHERE id = $1', [id]);
  await pool.query(`DELETE FROM projection_checkpoints WHERE projection = 'meetings'`);
  try {
    const local = await cli('replay', 'meetings', '--stream', `meeting-${id}`);
    assert.match(local.out, /^meetings has not started/);
    assert.equal((await pool.query('SELECT 1 FROM meetings WHERE id = $1', [id])).rowCount, 0);

    ctx.kafkaProfile = true;
    const kafka = await cli('replay', 'meetings', '--stream', `meeting-${id}`);
    assert.equal(kafka.code, 0, kafka.err);
    assert.match(
      kafka.out,
      /^replayed meetings over the whole selection \(Kafka profile\): [1-9]\d* events applied/,
    );
    assert.deepEqual(await dumpTables(pool), original);
  } finally {
    ctx.kafkaProfile = false;
    await pool.query(
      `INSERT INTO projection_checkpoints (projection, transaction_id, global_position) VALUES ('meetings', $1, $2)`,
      [String(saved!.transactionId), saved!.globalPosition],
    );
  }
});
