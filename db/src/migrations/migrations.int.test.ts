import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../migrator.js';
import { migrations } from './index.js';
import { createTestDatabase } from '../testing/index.js';
import type { TestDatabase } from '../testing/index.js';

const MIGRATIONS = migrations.map(([name]) => name);
const READ_TABLES = (
  'ai_tasks media_streams meeting_bans meeting_documents meeting_invitations meeting_participants meeting_recordings meeting_rooms meetings operation_logs ' +
  'signaling_messages signaling_sessions system_configs users'
).split(' ');
/** Fed from every stream: idempotent through its unique event_id instead of a stream version. */
const WITHOUT_STREAM_VERSION = ['operation_logs'];
const SOFT_DELETED = ['meeting_documents', 'meeting_recordings', 'meetings', 'system_configs', 'users'];

let db: TestDatabase;
let client: pg.Client;

before(async () => {
  db = await createTestDatabase({ migrate: false });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
after(async () => {
  await client?.end();
  await db?.drop();
});

const q = (sql: string, ...params: unknown[]) => client.query(sql, params);
const rows = async (sql: string, ...params: unknown[]) =>
  (await client.query<Record<string, unknown>>(sql, params)).rows;
const column = async (sql: string, ...params: unknown[]): Promise<unknown[]> =>
  (await client.query<unknown[]>({ text: sql, values: params, rowMode: 'array' })).rows.map((r) => r[0]);
const count = async (table: string, where: string, ...params: unknown[]) =>
  (await column(`SELECT count(*)::int FROM ${table} WHERE ${where}`, ...params))[0];
const violates = (run: Promise<unknown>, code: string, constraint: string) =>
  assert.rejects(run, { code, constraint });

/**
 * Everything in `public` that a migration can create, in a comparable form. Columns are compared by
 * name, not position: a `down` that brings back a dropped column can only append it.
 */
async function schemaSnapshot(on: pg.Client = client) {
  const rowsOf = async (sql: string) => (await on.query<Record<string, unknown>>(sql)).rows;
  return {
    columns: await rowsOf(`
      SELECT table_name, column_name, data_type, is_nullable, column_default
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`),
    constraints: await rowsOf(`
      SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS def
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`),
    indexes: await rowsOf(`
      SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`),
    triggers: await rowsOf(`
      SELECT tgrelid::regclass::text AS table_name, tgname, pg_get_triggerdef(oid) AS def
      FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`),
    views: await rowsOf(`
      SELECT table_name, view_definition FROM information_schema.views WHERE table_schema = 'public'`),
    functions: await rowsOf(`
      SELECT proname, pg_get_functiondef(oid) AS def FROM pg_proc WHERE pronamespace = 'public'::regnamespace`),
  };
}

/** Foreign keys from or to a read table. */
async function foreignKeys(on: pg.Client) {
  const { rows: keys } = await on.query<Record<string, unknown>>(
    `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS def
     FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace
       AND (conrelid::regclass::text = ANY($1) OR confrelid::regclass::text = ANY($1))
     ORDER BY 1, 2`,
    [READ_TABLES],
  );
  return keys;
}

let n = 0;
async function user(name = `user${++n}`): Promise<string> {
  const id = randomUUID();
  await q(
    'INSERT INTO users (id, username, email, full_name) VALUES ($1, $2, $3, $2)',
    id,
    name,
    `${name}@x.test`,
  );
  return id;
}

/** Started meetings began 90 seconds ago and are recording. */
async function meeting(hostId: string, status = 'scheduled', deleted = false): Promise<string> {
  const id = randomUUID();
  await q(
    `INSERT INTO meetings (id, creator_id, title, status, start_time, actual_start_at, max_participants,
       is_recording, deleted_at)
     VALUES ($1, $2, 'title', $3, now(), CASE WHEN $3 = 'started' THEN now() - interval '90 seconds' END, 10,
       $3 = 'started', CASE WHEN $4 THEN now() END)`,
    id,
    hostId,
    status,
    deleted,
  );
  return id;
}

type ParticipantState = { joined?: boolean; left?: boolean; muted?: boolean; video?: boolean };
async function participant(meetingId: string, userId: string, s: ParticipantState = {}): Promise<void> {
  await q(
    `INSERT INTO meeting_participants (meeting_id, user_id, join_time, leave_time, leave_reason, is_muted, is_video_on)
     VALUES ($1, $2, CASE WHEN $3 THEN now() END, CASE WHEN $4 THEN now() END, CASE WHEN $4 THEN 'left' END, $5, $6)`,
    ...[meetingId, userId, s.joined ?? true, s.left ?? false, s.muted ?? false, s.video ?? false],
  );
}

async function mediaStream(meetingId: string, userId: string, active = true): Promise<void> {
  await q(
    `INSERT INTO media_streams (id, meeting_id, user_id, stream_type, sfu_node_id, producer_id, codec, status,
       close_reason, published_at, closed_at)
     VALUES ($1, $2, $3, 'audio', 'sfu-1', 'p', 'opus', CASE WHEN $4 THEN 'active' ELSE 'closed' END,
       CASE WHEN $4 THEN NULL ELSE 'unpublished' END, now(), CASE WHEN $4 THEN NULL ELSE now() END)`,
    ...[randomUUID(), meetingId, userId, active],
  );
}

let firstSchema: Awaited<ReturnType<typeof schemaSnapshot>>;

test('migrating to latest applies every migration in order', async () => {
  assert.deepEqual(await migrate(db.url, 'latest'), MIGRATIONS);
  firstSchema = await schemaSnapshot();
});

describe('read tables', () => {
  test('every table and the view exist', async () => {
    const tables = await column(`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
      AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'knex\\_%' ORDER BY 1`);
    assert.deepEqual(
      tables,
      [
        'command_idempotency',
        'es_events',
        'personal_data_keys',
        'personal_data_secrets',
        'projection_checkpoints',
        'projection_dead_letters',
        'projection_generations',
        'projection_kafka_offsets',
        'relay_offsets',
        ...READ_TABLES,
      ].sort(),
    );
    const views = await column(
      `SELECT table_name FROM information_schema.views WHERE table_schema = 'public'`,
    );
    assert.deepEqual(views, ['active_meetings_stats']);
  });

  test('every read table has timestamps, the updated_at trigger, its stream version / soft delete', async () => {
    const withColumn = (name: string) =>
      column(
        `SELECT table_name FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = $1 AND table_name = ANY($2) ORDER BY 1`,
        name,
        READ_TABLES,
      );
    assert.deepEqual(await withColumn('created_at'), READ_TABLES);
    assert.deepEqual(await withColumn('updated_at'), READ_TABLES);
    const versioned = READ_TABLES.filter((t) => !WITHOUT_STREAM_VERSION.includes(t));
    assert.deepEqual(await withColumn('last_stream_version'), versioned);
    assert.deepEqual(await withColumn('deleted_at'), SOFT_DELETED);
    const triggered = await column(`
      SELECT t.tgrelid::regclass::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE p.proname = 'set_updated_at'
        AND t.tgtype = 1 | 2 | 16 -- FOR EACH ROW, BEFORE, UPDATE (only)
      ORDER BY 1`);
    assert.deepEqual(triggered, READ_TABLES);
  });

  test('usernames and emails are unique case-insensitively among live users', async () => {
    const alice = await user('Alice');
    const insert = `INSERT INTO users (id, username, email, full_name) VALUES ($1, $2, $3, 'x')`;
    await violates(q(insert, randomUUID(), 'alice', 'a2@x.test'), '23505', 'users_username_lower_key');
    await violates(q(insert, randomUUID(), 'alice2', 'ALICE@x.test'), '23505', 'users_email_lower_key');
    await q('UPDATE users SET deleted_at = now() WHERE id = $1', alice);
    await user('alice');
  });

  test('checks reject values outside the event contracts', async () => {
    const host = await user();
    await violates(
      q(
        `INSERT INTO users (id, username, email, full_name, role) VALUES ($1, 'r', 'r@x', 'r', 'root')`,
        host,
      ),
      '23514',
      'users_role_check',
    );
    const noSeats = `INSERT INTO meetings (id, creator_id, title, start_time, max_participants)
      VALUES ($1, $2, 't', now(), 0)`;
    await violates(q(noSeats, randomUUID(), host), '23514', 'meetings_max_participants_check');
    const m = await meeting(host);
    await violates(
      q(`UPDATE meetings SET status = 'paused' WHERE id = $1`, m),
      '23514',
      'meetings_status_check',
    );
    await mediaStream(m, host);
    const sample = 'UPDATE media_streams SET packet_loss_percent = 101 WHERE meeting_id = $1';
    await violates(q(sample, m), '23514', 'media_streams_packet_loss_percent_check');
    const closeWithoutReason = `UPDATE media_streams SET status = 'closed' WHERE meeting_id = $1`;
    await violates(q(closeWithoutReason, m), '23514', 'media_streams_closed_check');
  });

  test('one participant row per user per meeting: a duplicate is rejected, a rejoin updates the row', async () => {
    const [host, guest] = [await user(), await user()];
    const m = await meeting(host, 'started');
    await participant(m, guest, { left: true });
    await violates(participant(m, guest), '23505', 'meeting_participants_meeting_user_key');
    await q(
      `INSERT INTO meeting_participants (meeting_id, user_id, join_time) VALUES ($1, $2, now())
       ON CONFLICT (meeting_id, user_id) DO UPDATE SET join_time = EXCLUDED.join_time, leave_time = NULL,
         leave_reason = NULL`,
      m,
      guest,
    );
    assert.equal(await count('meeting_participants', 'meeting_id = $1 AND leave_time IS NULL', m), 1);
  });

  test('an update bumps updated_at, an update that changes nothing does not', async () => {
    // The trigger fires on UPDATE only, so an insert can set both timestamps in the past.
    const id = randomUUID();
    const past = new Date('2020-01-01T00:00:00Z');
    await q(
      `INSERT INTO users (id, username, email, full_name, created_at, updated_at)
       VALUES ($1, $2, $3, 'x', $4, $4)`,
      ...[id, `stamp-${id}`, `${id}@x.test`, past],
    );
    const stamps = async () => (await rows('SELECT created_at, updated_at FROM users WHERE id = $1', id))[0];

    await q('UPDATE users SET full_name = full_name WHERE id = $1', id);
    assert.deepEqual(await stamps(), { created_at: past, updated_at: past });

    await q(`UPDATE users SET full_name = 'renamed' WHERE id = $1`, id);
    const { created_at, updated_at } = (await stamps()) as { created_at: Date; updated_at: Date };
    assert.deepEqual(created_at, past);
    assert.ok(updated_at.getTime() > Date.now() - 60_000, `updated_at ${updated_at.toISOString()}`);
  });

  test('operation_logs stores an event once, however often it is written', async () => {
    const eventId = randomUUID();
    const write = `INSERT INTO operation_logs (event_id, action, resource_type, resource_id, created_at)
      VALUES ($1, 'MeetingStarted', 'meeting', 'm-1', now())`;
    await q(write, eventId);
    await q(`${write} ON CONFLICT (event_id) DO NOTHING`, eventId);
    await violates(q(write, eventId), '23505', 'operation_logs_event_id_key');
    assert.equal(await count('operation_logs', 'event_id = $1', eventId), 1);
  });

  test('no foreign key remains between read tables: each projector writes without waiting for another', async () => {
    assert.deepEqual(await foreignKeys(client), []);
    // A participant, chat message and media stream of a meeting and users not projected (yet).
    const [meetingId, userId] = [randomUUID(), randomUUID()];
    await q('BEGIN');
    try {
      await participant(meetingId, userId);
      await mediaStream(meetingId, userId);
      await q(
        `INSERT INTO signaling_messages (id, meeting_id, sender_id, message_type, content, sent_at)
         VALUES ($1, $2, $3, 'chat', 'early', now())`,
        ...[randomUUID(), meetingId, userId],
      );
      await q('INSERT INTO meeting_rooms (meeting_id, opened_at) VALUES ($1, now())', meetingId);
    } finally {
      // Orphans would stop a later rollback from re-creating the keys.
      await q('ROLLBACK');
    }
  });

  test('active_meetings_stats counts what is live in each started meeting', async () => {
    const [host, a, b, c, d] = [await user(), await user(), await user(), await user(), await user()];
    const running = await meeting(host, 'started');
    await participant(running, host, { video: true });
    await participant(running, a, { muted: true, video: true });
    await participant(running, b, { muted: true });
    await participant(running, c, { left: true, muted: true, video: true });
    await participant(running, d, { joined: false });
    await mediaStream(running, host);
    await mediaStream(running, a);
    await mediaStream(running, a, false);
    const idle = await meeting(host, 'started');
    const scheduled = await meeting(host, 'scheduled');
    const deleted = await meeting(host, 'started', true);
    await participant(deleted, a);

    const stats = await rows(
      `SELECT meeting_id, creator_id, current_participants, muted_participants, video_on_participants, is_recording,
         active_media_streams, duration_seconds
       FROM active_meetings_stats WHERE meeting_id = ANY($1) ORDER BY current_participants DESC`,
      [running, idle, scheduled, deleted],
    );
    const durations = stats.map((s) => s.duration_seconds as number);
    assert.ok(
      durations.every((s) => s >= 90 && s < 150),
      `durations ${durations.join()}`,
    );
    const row = (meeting_id: string, current: number, muted: number, video: number, streams: number) => ({
      meeting_id,
      creator_id: host,
      current_participants: current,
      muted_participants: muted,
      video_on_participants: video,
      is_recording: true,
      active_media_streams: streams,
    });
    assert.deepEqual(
      stats.map(({ duration_seconds: _, ...rest }) => rest),
      [row(running, 3, 2, 2, 2), row(idle, 0, 0, 0, 0)],
    );
  });
});

test('rolling everything back leaves nothing of ours behind', async () => {
  assert.deepEqual(await migrate(db.url, 'rollback'), [...MIGRATIONS].reverse());
  // Only knex's own bookkeeping (its tables, their keys, sequences and row types) may remain.
  const ours = (names: unknown[]) => names.filter((name) => !/^_?knex_migrations/.test(String(name)));
  assert.deepEqual(
    ours(await column(`SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace`)),
    [],
  );
  assert.deepEqual(
    ours(await column(`SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace`)),
    [],
  );
  assert.deepEqual(
    await column(`SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace`),
    [],
  );
  assert.deepEqual(await column('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal'), []);
  assert.deepEqual(
    await migrate(db.url, 'status'),
    MIGRATIONS.map((m) => `pending ${m}`),
  );
});

test('migrating up again is clean and yields the same schema', async () => {
  assert.deepEqual(await migrate(db.url, 'latest'), MIGRATIONS);
  assert.deepEqual(await schemaSnapshot(), firstSchema);
});

test('reverting 000005 (and what came after it) brings back exactly the foreign keys and schema of 000004', async () => {
  const at = MIGRATIONS.indexOf('20261121000005_read_tables_without_cross_table_keys');
  assert.ok(at > 0);
  const reverted = MIGRATIONS.slice(at);
  // A second database migrated one step at a time up to 000004 is the reference.
  const reference = await createTestDatabase({ migrate: false });
  const referenceClient = new pg.Client({ connectionString: reference.url });
  try {
    for (const name of MIGRATIONS.slice(0, at)) assert.deepEqual(await migrate(reference.url, 'up'), [name]);
    await referenceClient.connect();
    const keys = await foreignKeys(referenceClient);
    assert.equal(keys.length, 19);

    for (const name of [...reverted].reverse()) assert.deepEqual(await migrate(db.url, 'down'), [name]);
    assert.deepEqual(await foreignKeys(client), keys);
    assert.deepEqual(await schemaSnapshot(client), await schemaSnapshot(referenceClient));

    for (const name of reverted) assert.deepEqual(await migrate(db.url, 'up'), [name]);
    assert.deepEqual(await schemaSnapshot(), firstSchema);
  } finally {
    await referenceClient.end();
    await reference.drop();
  }
});
