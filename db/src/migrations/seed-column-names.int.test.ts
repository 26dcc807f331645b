import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../migrator.js';
import { migrations } from './index.js';
import { createTestDatabase } from '../testing/index.js';
import type { TestDatabase } from '../testing/index.js';

/*
 * 20261201000003_seed_column_names: rows written under the old names survive the renames, every
 * column and index the seed design names exists, and its plain lookups use an index.
 */

const MIGRATION = '20261201000003_seed_column_names';

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

const rows = async (sql: string, ...params: unknown[]) =>
  (await client.query<Record<string, unknown>>(sql, params)).rows;

const ids = { user: randomUUID(), meeting: randomUUID(), recording: randomUUID(), stream: randomUUID() };

const q = (sql: string, ...params: unknown[]) => client.query(sql, params);

test('rows written under the old names keep their values under the seed names', async () => {
  for (const [name] of migrations.slice(
    0,
    migrations.findIndex(([n]) => n === MIGRATION),
  ))
    assert.deepEqual(await migrate(db.url, 'up'), [name]);
  const { user, meeting, recording, stream } = ids;
  await q(
    `INSERT INTO users (id, username, email, display_name) VALUES ($1, 'ada', 'ada@x.test', 'Ada L.')`,
    user,
  );
  await q(
    `INSERT INTO meetings (id, host_id, title, status, scheduled_start_at, scheduled_end_at, actual_start_at,
       max_participants) VALUES ($1, $2, 't', 'started', '2030-01-01T09:00Z', '2030-01-01T10:00Z', '2030-01-01T09:02Z', 5)`,
    meeting,
    user,
  );
  await q(
    `INSERT INTO meeting_participants (meeting_id, user_id, role, joined_at, left_at, leave_reason)
     VALUES ($1, $2, 'host', '2030-01-01T09:02Z', '2030-01-01T09:40Z', 'left')`,
    meeting,
    user,
  );
  await q(
    `INSERT INTO meeting_rooms (id, meeting_id, opened_at) VALUES ($1, $1, '2030-01-01T09:02Z')`,
    meeting,
  );
  await q(
    `INSERT INTO meeting_recordings (id, meeting_id, status, started_at, stopped_at)
     VALUES ($1, $2, 'stopped', '2030-01-01T09:05Z', '2030-01-01T09:10Z')`,
    recording,
    meeting,
  );
  await q(
    `INSERT INTO meeting_recordings (id, meeting_id, status, started_at, completed_at, storage_key, size_bytes,
       duration_seconds, format)
     VALUES ($1, $2, 'completed', '2030-01-01T09:05Z', '2030-01-01T09:30Z', 'rec/1.webm', 4096, 60.4, 'webm')`,
    randomUUID(),
    meeting,
  );
  await q(
    `INSERT INTO media_streams (id, meeting_id, user_id, kind, sfu_node_id, producer_id, codec, published_at,
       bitrate_kbps) VALUES ($1, $2, $3, 'screen', 'sfu-1', 'p', 'VP8', '2030-01-01T09:03Z', 812.5)`,
    stream,
    meeting,
    user,
  );
  await q(
    `INSERT INTO operation_logs (event_id, actor_user_id, action, resource_type, resource_id, occurred_at, created_at)
     VALUES ($1, $2, 'MeetingStarted', 'meeting', $3, '2030-01-01T09:02Z', '2030-01-01T09:02:01Z')`,
    recording,
    user,
    meeting,
  );

  assert.deepEqual(await migrate(db.url, 'up'), [MIGRATION]);

  const t = (iso: string) => new Date(iso);
  assert.deepEqual(await rows(`SELECT full_name FROM users`), [{ full_name: 'Ada L.' }]);
  assert.deepEqual(await rows(`SELECT creator_id, start_time, end_time, actual_start_at FROM meetings`), [
    {
      creator_id: user,
      start_time: t('2030-01-01T09:00Z'),
      end_time: t('2030-01-01T10:00Z'),
      actual_start_at: t('2030-01-01T09:02Z'),
    },
  ]);
  assert.deepEqual(await rows(`SELECT join_time, leave_time FROM meeting_participants`), [
    { join_time: t('2030-01-01T09:02Z'), leave_time: t('2030-01-01T09:40Z') },
  ]);
  assert.deepEqual(await rows(`SELECT room_id, status FROM meeting_rooms`), [
    { room_id: meeting, status: 'open' },
  ]);
  assert.deepEqual(
    await rows(
      `SELECT status, file_path, file_size, duration, format FROM meeting_recordings ORDER BY status`,
    ),
    [
      { status: 'completed', file_path: 'rec/1.webm', file_size: '4096', duration: 60, format: 'webm' },
      { status: 'processing', file_path: null, file_size: null, duration: null, format: null },
    ],
  );
  const [participant] = await rows(`SELECT id FROM meeting_participants`);
  assert.deepEqual(
    await rows(`SELECT stream_type, bitrate, room_id, participant_id, resolution FROM media_streams`),
    [
      {
        stream_type: 'screen',
        bitrate: 812.5,
        room_id: meeting,
        participant_id: participant?.id,
        resolution: null,
      },
    ],
  );
  assert.deepEqual(await rows(`SELECT user_id, created_at, projected_at FROM operation_logs`), [
    { user_id: user, created_at: t('2030-01-01T09:02Z'), projected_at: t('2030-01-01T09:02:01Z') },
  ]);
});

/** [table, column, accepted data types, the seed's default as PostgreSQL shows it (undefined: none)]. */
type SeedColumn = readonly [string, string, readonly string[], string?];
const text = ['text', 'character varying'];
const time = ['timestamp with time zone', 'timestamp without time zone'];
const id = ['uuid', 'bigint'];
const SEED_COLUMNS: readonly SeedColumn[] = [
  ...(['username', 'email', 'full_name', 'avatar_url'] as const).map((c): SeedColumn => ['users', c, text]),
  ['users', 'status', text, `'active'::text`],
  ['users', 'role', text, `'user'::text`],
  ['meetings', 'title', text],
  ['meetings', 'description', text],
  ['meetings', 'creator_id', id],
  ['meetings', 'status', text, `'scheduled'::text`],
  ['meetings', 'start_time', time],
  ['meetings', 'end_time', time],
  ['meetings', 'max_participants', ['integer'], '100'],
  ['meetings', 'is_recording', ['boolean'], 'false'],
  ['meeting_participants', 'id', ['bigint']],
  ['meeting_participants', 'meeting_id', id],
  ['meeting_participants', 'user_id', id],
  ['meeting_participants', 'join_time', time, 'now()'],
  ['meeting_participants', 'leave_time', time],
  ['meeting_participants', 'role', text, `'participant'::text`],
  ['meeting_participants', 'is_muted', ['boolean'], 'false'],
  ['meeting_participants', 'is_video_on', ['boolean'], 'true'],
  ['meeting_recordings', 'meeting_id', id],
  ['meeting_recordings', 'file_path', text],
  ['meeting_recordings', 'file_size', ['bigint']],
  ['meeting_recordings', 'duration', ['integer']],
  ['meeting_recordings', 'format', text],
  ['meeting_recordings', 'status', text, `'processing'::text`],
  ['media_streams', 'meeting_id', id],
  ['media_streams', 'participant_id', ['bigint']],
  ['media_streams', 'room_id', id],
  ['media_streams', 'user_id', id],
  ['media_streams', 'stream_type', text],
  ['media_streams', 'codec', text],
  // kbps as the SFU samples it, fractions included: numeric, as INT is, but not truncated.
  ['media_streams', 'bitrate', ['integer', 'double precision']],
  ['media_streams', 'resolution', text],
  ['meeting_rooms', 'room_id', id],
  ['meeting_rooms', 'meeting_id', id],
  ['meeting_rooms', 'status', text, `'open'::text`],
  ['ai_tasks', 'task_id', id],
  ['ai_tasks', 'task_type', text],
  ['ai_tasks', 'status', text, `'pending'::text`],
  ['ai_tasks', 'priority', ['integer'], '0'],
  ['operation_logs', 'user_id', id],
  ['operation_logs', 'resource_type', text],
  ['operation_logs', 'resource_id', text],
  ['operation_logs', 'created_at', time, 'now()'],
];
const TIMESTAMPED = ['users', 'meetings', 'meeting_participants', 'meeting_recordings', 'media_streams'];

test('every column of the seed exists under its name, with a compatible type and the seed default', async () => {
  const columns = new Map(
    (
      await rows(`SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
        WHERE table_schema = 'public'`)
    ).map((c) => [`${String(c.table_name)}.${String(c.column_name)}`, c]),
  );
  const expected: SeedColumn[] = [
    ...SEED_COLUMNS,
    ...TIMESTAMPED.map((table): SeedColumn => [table, 'created_at', time, 'now()']),
    ...TIMESTAMPED.filter((t) => t !== 'meeting_participants').map((table): SeedColumn => [
      table,
      'updated_at',
      time,
      'now()',
    ]),
  ];
  for (const [table, column, types, def] of expected) {
    const found = columns.get(`${table}.${column}`);
    assert.ok(found, `${table}.${column} exists`);
    assert.ok(types.includes(String(found.data_type)), `${table}.${column} is ${String(found.data_type)}`);
    if (def !== undefined) assert.equal(found.column_default, def, `${table}.${column} default`);
  }
  for (const table of ['users', 'meetings']) assert.ok(columns.has(`${table}.deleted_at`));
});

/** [table, column]: each index of the seed (000 and 001), as the leading column of some index. */
const SEED_INDEXES = [
  'users.email users.username users.role users.status',
  'meetings.creator_id meetings.status meetings.start_time',
  'meeting_participants.meeting_id meeting_participants.user_id meeting_participants.role',
  'meeting_recordings.meeting_id meeting_recordings.status',
  'media_streams.meeting_id media_streams.participant_id media_streams.room_id media_streams.user_id',
  'media_streams.stream_type meeting_rooms.room_id meeting_rooms.status meeting_rooms.meeting_id',
  'ai_tasks.task_id ai_tasks.task_type ai_tasks.status ai_tasks.priority',
  'operation_logs.user_id operation_logs.resource_type operation_logs.created_at',
]
  .join(' ')
  .split(' ');

test('every index of the seed exists: some index leads with its column', async () => {
  const leading = new Set(
    (
      await rows(
        `SELECT i.indrelid::regclass::text AS t, a.attname AS c FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid::regclass::text = ANY($1)`,
        [...new Set(SEED_INDEXES.map((i) => i.split('.')[0]))],
      )
    ).map((r) => `${String(r.t)}.${String(r.c)}`),
  );
  assert.deepEqual(
    SEED_INDEXES.filter((index) => !leading.has(index)),
    [],
  );
  // 000's idx_participants_unique, and 001's unique keys.
  const unique =
    await rows(`SELECT indrelid::regclass::text AS t, pg_get_indexdef(indexrelid) AS def FROM pg_index
    WHERE indisunique AND indrelid::regclass::text IN ('meeting_participants', 'meeting_rooms', 'ai_tasks')`);
  const defs = unique.map((u) => String(u.def));
  assert.ok(
    defs.some((d) => d.endsWith('(meeting_id, user_id)')),
    'participants unique per meeting and user',
  );
  assert.ok(
    defs.some((d) => d.endsWith('(room_id)')),
    'room_id unique',
  );
  assert.ok(
    defs.some((d) => d.endsWith('(task_id)')),
    'task_id unique',
  );
});

const plan = async (sql: string, ...params: unknown[]) =>
  (await rows(`EXPLAIN ${sql}`, ...params)).map((r) => String(r['QUERY PLAN'])).join('\n');

test("the seed's lookups by email, by username and of the audit trail by time use an index", async () => {
  // Enough rows (2000 users, 20000 audit rows over 100 days) that a sequential scan costs more.
  await q(`INSERT INTO users (id, username, email, full_name)
    SELECT gen_random_uuid(), 'user' || n, 'user' || n || '@x.test', 'User ' || n FROM generate_series(1, 2000) n`);
  await q(`INSERT INTO operation_logs (event_id, user_id, action, resource_type, resource_id, created_at)
    SELECT gen_random_uuid(), u.ids[1 + n % 2000], 'MeetingStarted', 'meeting', n::text,
      '2030-01-01'::timestamptz + n * interval '432 seconds'
    FROM generate_series(1, 20000) n, (SELECT array_agg(id) AS ids FROM users) u`);
  await q('ANALYZE users; ANALYZE operation_logs');
  assert.match(
    await plan(`SELECT * FROM users WHERE email = $1`, 'ada@x.test'),
    / (using|on) users_email_idx /,
  );
  assert.match(
    await plan(`SELECT * FROM users WHERE username = $1`, 'ada'),
    / (using|on) users_username_idx /,
  );
  assert.match(
    await plan(
      `SELECT * FROM operation_logs WHERE created_at >= $1 AND created_at < $2`,
      '2030-01-01T00:00Z',
      '2030-01-02T00:00Z',
    ),
    / (using|on) operation_logs_created_at_idx /,
  );
  assert.match(
    await plan(
      `SELECT * FROM operation_logs WHERE user_id = $1 AND created_at >= $2`,
      ids.user,
      '2030-01-01T00:00Z',
    ),
    / (using|on) operation_logs_user_id_idx /,
  );
});
