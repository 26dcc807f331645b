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
import { runScenario } from './testing/scenario.js';
import { audited, foldFacts, tally } from './testing/seed-report-facts.js';

/*
 * A reporting tool written against the seed design (000/001) runs as written: plain SQL in the
 * seed's vocabulary (creator_id, join_time/leave_time, recording status, active_meetings_stats,
 * stream_type, operation_logs by user_id and created_at), after a scripted scenario. Each answer is
 * checked against a plain fold of the event list (testing/seed-report-facts.ts).
 */

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}:`;

let db: TestDatabase | undefined;
let pool: pg.Pool;
let events: DecodedEvent[] = [];

async function readLog(store: EventStore): Promise<DecodedEvent[]> {
  const upcasters = createUpcasterRegistry();
  const all: DecodedEvent[] = [];
  let from: Checkpoint = START;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, max: 1000 });
    if (page.events.length === 0) return all;
    all.push(...page.events.map((e) => decodeEvent(upcasters, e)));
    from = page.checkpoint;
  }
}

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  const redis = new Redis(redisUrl, { keyPrefix: prefix });
  const deps = {
    pool,
    redis,
    redisKeyPrefix: prefix,
    logger: pino({ level: 'silent' }),
    batchSize: 500,
    pollIntervalMs: 10,
    maxAttempts: 3,
    notifyMaxAgeSeconds: 600,
  };
  const worker = new ProjectionWorker(createRunners(deps, createProjections(deps)), deps.logger);
  worker.start();
  const store = new PostgresEventStore(pool);
  try {
    await runScenario(store, { seed: 1717, users: 20, meetings: 24, events: 2000 });
    // A short second run stops while its meetings still wait or run: live rows for the view.
    await runScenario(store, { seed: 1718, users: 10, meetings: 10, events: 160 });
    await waitUntilCaughtUp(pool, redisUrl, prefix, projectionNames());
  } finally {
    await worker.stop();
    redis.disconnect();
  }
  events = await readLog(store);
});

after(async () => {
  if (pool) {
    pool.on('error', () => undefined);
    await pool.end();
  }
  await Promise.all([db?.drop(), deleteKeys(redisUrl, prefix)]);
});

const query = async <R extends object>(sql: string, ...params: unknown[]) =>
  (await pool.query<R>(sql, params)).rows;

test('meetings per creator: meetings joined to users on creator_id', async () => {
  const facts = foldFacts(events);
  const got = await query<{ username: string; meetings: number }>(
    `SELECT u.username, count(*)::int AS meetings
     FROM meetings m JOIN users u ON u.id = m.creator_id
     WHERE m.deleted_at IS NULL AND u.deleted_at IS NULL
     GROUP BY u.username ORDER BY u.username`,
  );
  const want = tally([...facts.meetings.values()].map((m) => facts.usernames.get(m.creator)!));
  assert.ok(want.length > 1);
  assert.deepEqual(
    got.map((r) => [r.username, r.meetings]),
    want,
  );
});

test('every creator is a host participant from scheduling; join_time only once present', async () => {
  const facts = foldFacts(events);
  const got = await query<{ meeting_id: string; role: string; joined: boolean }>(
    `SELECT m.id AS meeting_id, p.role, p.join_time IS NOT NULL AS joined
     FROM meetings m JOIN meeting_participants p ON p.meeting_id = m.id AND p.user_id = m.creator_id
     ORDER BY m.id`,
  );
  const want = [...facts.meetings.entries()]
    .map(([id, m]) => {
      const row = facts.attendance.find((p) => p.meeting === id && p.user === m.creator)!;
      return { meeting_id: id, role: row.role, joined: row.join !== null };
    })
    .sort((a, b) => (a.meeting_id < b.meeting_id ? -1 : 1));
  assert.deepEqual(got, want);
  assert.ok(got.some((r) => !r.joined) && got.some((r) => r.joined), 'some creators joined, some not yet');
});

test('attendance by join_time/leave_time: present and departed per meeting, time attended', async () => {
  const facts = foldFacts(events);
  const got = await query<{
    meeting_id: string;
    present: number;
    departed: number;
    attended_ms: string | null;
  }>(
    `SELECT meeting_id,
       count(*) FILTER (WHERE join_time IS NOT NULL AND leave_time IS NULL)::int AS present,
       count(*) FILTER (WHERE leave_time IS NOT NULL)::int AS departed,
       (sum(extract(epoch FROM leave_time - join_time)) * 1000)::bigint AS attended_ms
     FROM meeting_participants GROUP BY meeting_id ORDER BY meeting_id`,
  );
  const byMeeting = new Map<string, { present: number; departed: number; attended: number | null }>();
  for (const p of facts.attendance) {
    const m = byMeeting.get(p.meeting) ?? { present: 0, departed: 0, attended: null };
    if (p.join && !p.leave) m.present++;
    if (p.leave) m.departed++;
    if (p.join && p.leave) m.attended = (m.attended ?? 0) + (p.leave.getTime() - p.join.getTime());
    byMeeting.set(p.meeting, m);
  }
  const want = [...byMeeting.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, m]) => ({ meeting_id: id, present: m.present, departed: m.departed, attended: m.attended }));
  assert.ok(want.some((m) => m.present > 0) && want.some((m) => m.attended !== null));
  assert.deepEqual(
    got.map(({ attended_ms, ...r }) => ({
      ...r,
      attended: attended_ms === null ? null : Number(attended_ms),
    })),
    want,
  );
});

test('recordings by status, in the seed values: processing until the file is stored', async () => {
  const facts = foldFacts(events);
  const got = await query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM meeting_recordings GROUP BY status ORDER BY status`,
  );
  const want = tally(facts.recordings.values());
  assert.deepEqual(
    got.map((r) => [r.status, r.n]),
    want,
  );
  assert.ok(want.some(([s]) => s === 'completed') && want.some(([s]) => s === 'failed'));
  assert.ok(
    want.some(([s]) => s === 'processing'),
    'some recordings stopped and not yet stored',
  );
  const [stored] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM meeting_recordings
     WHERE status = 'completed' AND file_path IS NOT NULL AND file_size IS NOT NULL AND duration IS NOT NULL`,
  );
  assert.equal(stored?.n, want.find(([s]) => s === 'completed')?.[1]);
});

test('active_meetings_stats: the running meetings, their creators and who is present', async () => {
  const facts = foldFacts(events);
  const got = await query<{ meeting_id: string; creator_id: string; current_participants: number }>(
    `SELECT meeting_id, creator_id, current_participants FROM active_meetings_stats ORDER BY meeting_id`,
  );
  const want = [...facts.meetings.entries()]
    .filter(([, m]) => m.status === 'started')
    .map(([id, m]) => ({
      meeting_id: id,
      creator_id: m.creator,
      current_participants: facts.attendance.filter((p) => p.meeting === id && p.join && !p.leave).length,
    }))
    .sort((a, b) => (a.meeting_id < b.meeting_id ? -1 : 1));
  assert.ok(want.length > 0, 'some meetings still run');
  assert.deepEqual(got, want);
});

test("streams by stream_type, each tied to its participant row and its meeting's room", async () => {
  const facts = foldFacts(events);
  const got = await query<{ stream_type: string; n: number; open: number }>(
    `SELECT stream_type, count(*)::int AS n, count(*) FILTER (WHERE status = 'active')::int AS open
     FROM media_streams GROUP BY stream_type ORDER BY stream_type`,
  );
  const streams = [...facts.streams.values()];
  const want = tally(streams.map((s) => s.kind)).map(([kind, n]) => ({
    stream_type: kind,
    n,
    open: streams.filter((s) => s.kind === kind && s.open).length,
  }));
  assert.deepEqual(got, want);
  const [linked] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM media_streams s
     JOIN meeting_participants p ON p.id = s.participant_id AND p.meeting_id = s.meeting_id AND p.user_id = s.user_id
     WHERE s.room_id = s.meeting_id`,
  );
  const attended = new Set(facts.attendance.map((p) => `${p.meeting}/${p.user}`));
  const withParticipant = streams.filter((s) => attended.has(`${s.meeting}/${s.user}`)).length;
  assert.ok(withParticipant > 0);
  assert.equal(linked?.n, withParticipant);
});

test('the audit trail of one user over a time range, by user_id and created_at', async () => {
  const logged = events.filter(audited);
  const actors = tally(logged.flatMap((e) => (e.metadata.actorUserId ? [e.metadata.actorUserId] : [])));
  const [actor] = actors.sort((a, b) => b[1] - a[1])[0]!;
  const times = logged.map((e) => e.occurredAt.getTime()).sort((a, b) => a - b);
  const [from, to] = [
    new Date(times[Math.floor(times.length / 4)]!),
    new Date(times[Math.floor((3 * times.length) / 4)]!),
  ];
  const got = await query<{ action: string; n: number }>(
    `SELECT action, count(*)::int AS n FROM operation_logs
     WHERE user_id = $1 AND created_at >= $2 AND created_at < $3
     GROUP BY action ORDER BY action`,
    actor,
    from,
    to,
  );
  const want = tally(
    logged
      .filter((e) => e.metadata.actorUserId === actor && e.occurredAt >= from && e.occurredAt < to)
      .map((e) => e.type),
  );
  assert.ok(want.length > 0);
  assert.deepEqual(
    got.map((r) => [r.action, r.n]),
    want,
  );
});
