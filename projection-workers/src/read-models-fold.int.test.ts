import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { START, createUpcasterRegistry, decodeEvent } from '@meetings/events';
import type { Checkpoint, DecodedEvent, EventStore } from '@meetings/events';
import { deleteKeys } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createProjections, createRunners, projectionNames } from './projections.js';
import { ProjectionWorker } from './runner/projection-worker.js';
import { waitUntilCaughtUp } from './testing/caught-up.js';
import { expectedActiveMeetings, foldTables } from './testing/expected/expected-tables.js';
import type { ExpectedTables } from './testing/expected/expected-tables.js';
import { foldRoomCache, parseRoomCacheDump } from './testing/expected/expected-redis.js';
import { dumpRedis } from './testing/read-model-dump.js';
import { runScenario } from './testing/scenario.js';

/*
 * Proof (a): after a scripted run of 50 meetings with joins, leaves, mutes, removals and recordings,
 * every read table and Redis key equals what an independent fold of the events implies
 * (testing/expected/: plain TypeScript over the event list, sharing no code with the projectors).
 */

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}:`;
const NOTIFY_MAX_AGE_SECONDS = 600;
const SECOND_RUN = { seed: 2028, users: 12, meetings: 12, events: 200 };

let db: TestDatabase | undefined;
let pool: pg.Pool;
/** Stops the in-process worker: the test does so once caught up, `after` again should it time out. */
let stopWorker: (() => Promise<void>) | undefined;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
});
after(async () => {
  await stopWorker?.(); // else it would write keys again after they are deleted
  // Safe after a failed `before` too, so that its error is the one reported.
  if (pool) {
    pool.on('error', () => undefined); // connections the drop at teardown terminates
    await pool.end();
  }
  await Promise.all([db?.drop(), deleteKeys(redisUrl, prefix)]);
});

/** The projected columns of each table (no created_at/updated_at), and its key. */
const TABLES: Record<keyof ExpectedTables, { columns: string; key: readonly string[] }> = {
  users: {
    columns: `id, username, email, full_name, avatar_url, role, status, last_login_at, deleted_at,
      last_stream_version::int`,
    key: ['id'],
  },
  meetings: {
    columns: `id, creator_id, title, description, status, start_time, end_time,
      actual_start_at, actual_end_at, max_participants, is_recording, settings, access, lobby, cancel_reason,
      deleted_at, last_stream_version::int`,
    key: ['id'],
  },
  meeting_invitations: {
    columns: `meeting_id, user_id, invited_by, invited_at, revoked_by, revoked_at, last_stream_version::int`,
    key: ['meeting_id', 'user_id'],
  },
  meeting_bans: {
    columns: `meeting_id, user_id, banned_by, banned_at, lifted_by, lifted_at, last_stream_version::int`,
    key: ['meeting_id', 'user_id'],
  },
  meeting_participants: {
    columns: `id, meeting_id, user_id, role, join_time, leave_time, leave_reason, removed_by, remove_reason,
      is_muted, is_video_on, last_stream_version::int`,
    key: ['meeting_id', 'user_id'],
  },
  meeting_rooms: {
    columns: `room_id, meeting_id, sfu_node_id, status, current_participants, opened_at, closed_at,
      last_stream_version::int`,
    key: ['meeting_id'],
  },
  meeting_recordings: {
    columns: `id, meeting_id, started_by, stopped_by, status, started_at, stopped_at, completed_at,
      file_path, file_size::float8, duration, format, failure_reason, deleted_at,
      last_stream_version::int`,
    key: ['id'],
  },
  media_streams: {
    columns: `id, meeting_id, user_id, participant_id, room_id, stream_type, sfu_node_id, producer_id, codec, resolution,
      status, close_reason, published_at, closed_at, bitrate, packet_loss_percent, jitter_ms, rtt_ms, last_sampled_at,
      last_stream_version::int`,
    key: ['id'],
  },
  signaling_messages: {
    columns: `id, meeting_id, sender_id, recipient_id, message_type, content, payload, sent_at,
      last_stream_version::int`,
    key: ['id'],
  },
  operation_logs: {
    columns: `event_id, user_id, action, resource_type, resource_id, details, correlation_id,
      created_at`,
    key: ['event_id'],
  },
};

type Row = Record<string, unknown>;

/** Sorted by the natural key, compared as strings so both sides sort alike (no collation). */
function sortBy<T extends object>(rows: readonly T[], key: readonly string[]): T[] {
  const k = (row: T) => key.map((c) => String((row as Row)[c])).join('|');
  return [...rows].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}

/** Timestamps as ISO strings, the fold's form; `::int`/`::float8` casts already made the numbers. */
async function select(sql: string): Promise<Row[]> {
  const { rows } = await pool.query<Row>(sql);
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([column, value]) => [
        column,
        value instanceof Date ? value.toISOString() : value,
      ]),
    ),
  );
}

async function readLog(store: EventStore): Promise<DecodedEvent[]> {
  const upcasters = createUpcasterRegistry();
  const events: DecodedEvent[] = [];
  let from: Checkpoint = START;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, max: 1000 });
    if (page.events.length === 0) return events;
    events.push(...page.events.map((e) => decodeEvent(upcasters, e)));
    from = page.checkpoint;
  }
}

test(
  'after 50 scripted meetings every read table and Redis key equals an independent fold of the log',
  { timeout: 120_000 },
  async (t) => {
    const redis = new Redis(redisUrl, { keyPrefix: prefix });
    const deps = {
      pool,
      redis,
      redisKeyPrefix: prefix,
      logger: pino({ level: 'silent' }),
      batchSize: 500,
      pollIntervalMs: 10,
      maxAttempts: 3,
      notifyMaxAgeSeconds: NOTIFY_MAX_AGE_SECONDS,
    };
    // Every projection in-process, following the log while the scenario writes it.
    const worker = new ProjectionWorker(createRunners(deps, createProjections(deps)), deps.logger);
    worker.start();
    stopWorker = async () => {
      await worker.stop();
      redis.disconnect();
    };
    const store = new PostgresEventStore(pool);
    let appended: number;
    try {
      appended = (await runScenario(store, { seed: 2026, users: 40, meetings: 50, events: 4000 })).events;
      // By the end of that run nearly every meeting is over. A short second run (its own users and
      // meetings) stops while its meetings still wait or run, so that live rooms, their Redis hashes
      // and active_meetings_stats are compared too.
      appended += (await runScenario(store, SECOND_RUN)).events;
      await waitUntilCaughtUp(pool, redisUrl, prefix, projectionNames());
    } finally {
      await stopWorker();
    }
    const projectedAt = new Date();

    const events = await readLog(store);
    assert.equal(events.length, appended, 'the whole log was read back');

    // The scenario exercised what the proof is about.
    const count = (type: string) => events.filter((e) => e.type === type).length;
    assert.ok(count('MeetingScheduled') >= 50, 'at least 50 meetings');
    for (const type of [
      'ParticipantJoined',
      'ParticipantLeft',
      'ParticipantMuted',
      'ParticipantRemoved',
      'RecordingStarted',
      'RecordingStopped',
      'RecordingCompleted',
      'MeetingEnded',
      'MeetingSettingsChanged',
      'ParticipantInvited',
      'InvitationRevoked',
      'ParticipantWaiting',
      'ParticipantAdmitted',
      'ParticipantDenied',
      'ParticipantLeftLobby',
      'BanLifted',
    ]) {
      assert.ok(count(type) > 0, `the scenario has ${type} events`);
    }

    const expected = foldTables(events);
    for (const [table, { columns, key }] of Object.entries(TABLES)) {
      const want: readonly object[] = expected[table as keyof ExpectedTables];
      await t.test(`${table} (${want.length} rows)`, async () => {
        assert.ok(want.length > 0, `the fold expects ${table} rows`);
        const got = await select(`SELECT ${columns} FROM ${table}`);
        assert.deepEqual(sortBy(got, key), sortBy(want, key), `${table} equals the fold`);
      });
    }

    await t.test('active_meetings_stats', async () => {
      const want = expectedActiveMeetings(expected);
      assert.ok(want.length > 0, 'some meetings are still running');
      const got = await select(
        `SELECT meeting_id, title, creator_id, start_time, actual_start_at, current_participants, muted_participants,
           video_on_participants, is_recording, active_media_streams FROM active_meetings_stats`,
      );
      assert.deepEqual(sortBy(got, ['meeting_id']), sortBy(want, ['meeting_id']));
    });

    await t.test('Redis room cache', async () => {
      const want = foldRoomCache(events, { now: projectedAt, notifyMaxAgeSeconds: NOTIFY_MAX_AGE_SECONDS });
      const jobs = (want['queue:notifications'] ?? []) as unknown[];
      assert.ok(jobs.length > 0, 'recent invitations and starts are announced');
      const statuses = Object.entries(want)
        .filter(([key]) => key.startsWith('room:'))
        .map(([, room]) => (room as { status: string }).status);
      assert.ok(
        statuses.includes('waiting') && statuses.includes('active'),
        'waiting and active rooms remain',
      );
      assert.deepEqual(parseRoomCacheDump(await dumpRedis(redisUrl, prefix)), want);
    });

    await t.test('no dead letters', async () => {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM projection_dead_letters',
      );
      assert.equal(rows[0]?.n, 0);
    });
  },
);
