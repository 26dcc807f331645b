import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { createUpcasterRegistry, currentSchemaVersion, streams } from '@meetings/events';
import type { EventType, NewEvent } from '@meetings/events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresDeadLetterStore } from './adapters/postgres/postgres-dead-letter-store.js';
import { retryDeadLetter } from './dead-letter-retry.js';
import { createProjections, createRunners, projectionNames } from './projections.js';
import { ProjectionWorker } from './runner/projection-worker.js';
import { waitUntilCaughtUp } from './testing/caught-up.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}:`;
let db: TestDatabase;
let pool: pg.Pool;
let redis: Redis;
let store: PostgresEventStore;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  redis = new Redis(redisUrl, { keyPrefix: prefix });
  store = new PostgresEventStore(pool);
});
after(async () => {
  redis.disconnect();
  await pool.end();
  await Promise.all([db.drop(), deleteKeys(redisUrl, prefix)]);
});

const deps = () => ({
  pool,
  redis,
  redisKeyPrefix: prefix,
  logger: pino({ level: 'silent' }),
  batchSize: 100,
  pollIntervalMs: 10,
  maxAttempts: 2,
  notifyMaxAgeSeconds: 600,
});

async function project(): Promise<void> {
  const d = deps();
  const worker = new ProjectionWorker(createRunners(d, createProjections(d)), d.logger);
  worker.start();
  try {
    await waitUntilCaughtUp(pool, redisUrl, prefix, projectionNames(), 30_000);
  } finally {
    await worker.stop();
  }
}

const host = randomUUID();
const meetingId = randomUUID();
function event(type: string, data: Record<string, unknown>): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: currentSchemaVersion(type as EventType),
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actorUserId: host, idempotencyKey: null },
    occurredAt: new Date(),
  };
}

test('poison events land in dead letters, later events still apply, and a fixed one can be retried', async () => {
  const scheduled = event('MeetingScheduled', {
    meetingId,
    hostId: host,
    title: 'Poison control',
    description: null,
    scheduledStartAt: '2030-01-01T09:00:00Z',
    scheduledEndAt: null,
    maxParticipants: 10,
    settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
    passcodeVersion: null,
  });
  // Written by a buggy producer that skipped validation: no projector can ever decode it.
  const undecodable = event('ParticipantJoined', { meetingId, userId: 'not-a-uuid', role: 'participant' });
  const started = event('MeetingStarted', { meetingId, startedBy: host });
  const recordingId = randomUUID();
  const recording = [
    event('RecordingStarted', { meetingId, recordingId, startedBy: host }),
    event('RecordingStopped', { meetingId, recordingId, stoppedBy: host }),
  ];
  // Valid, but the read model refuses it until ops fix the schema (a stand-in for a projector bug).
  const refused = event('RecordingCompleted', {
    meetingId,
    recordingId,
    storageKey: 'rec/1.webm',
    sizeBytes: 10,
    durationSeconds: 5,
    format: 'poison',
  });
  const later = event('ParticipantJoined', {
    meetingId,
    userId: host,
    role: 'host',
    isMuted: false,
    isVideoOn: true,
  });
  await pool.query(
    `ALTER TABLE meeting_recordings ADD CONSTRAINT no_poison CHECK (format IS DISTINCT FROM 'poison')`,
  );
  await store.appendToStream(
    streams.meeting(meetingId),
    [scheduled, undecodable, started, ...recording, refused, later],
    'no_stream',
  );

  await project();

  const deadLetters = new PostgresDeadLetterStore(pool);
  const letters = await deadLetters.list({ status: 'pending' });
  const byEvent = (id: string) =>
    letters
      .filter((l) => l.eventId === id)
      .map((l) => l.projection)
      .sort();
  assert.deepEqual(byEvent(undecodable.eventId), ['meetings', 'operation-logs', 'room-cache']);
  assert.ok(
    letters
      .filter((l) => l.eventId === undecodable.eventId)
      .every((l) => /InvalidEventDataError/.test(l.error)),
  );
  assert.deepEqual(byEvent(refused.eventId), ['meetings']);
  const refusedLetter = letters.find((l) => l.eventId === refused.eventId)!;
  assert.match(refusedLetter.error, /no_poison/);
  assert.equal(refusedLetter.attempts, 2);

  // Everything after the poison applied.
  const meeting = await pool.query(`SELECT status, is_recording FROM meetings WHERE id = $1`, [meetingId]);
  assert.deepEqual(meeting.rows[0], { status: 'started', is_recording: false });
  const participant = await pool.query(`SELECT role FROM meeting_participants WHERE meeting_id = $1`, [
    meetingId,
  ]);
  assert.deepEqual(participant.rows, [{ role: 'host' }]);
  assert.equal(await redis.hget(`room:${meetingId}`, 'participant_count'), '1');
  const logged = await pool.query(`SELECT count(*)::int AS n FROM operation_logs WHERE resource_id = $1`, [
    meetingId,
  ]);
  assert.equal(logged.rows[0].n, 6, 'every event but the undecodable one');

  // Ops retry: the undecodable one fails again; the refused one applies once the cause is fixed.
  const retryDeps = {
    deadLetters,
    store,
    upcasters: createUpcasterRegistry(),
    projections: createProjections(deps()),
  };
  const again = await retryDeadLetter(letters.find((l) => l.eventId === undecodable.eventId)!.id, retryDeps);
  assert.equal(again.status, 'failed');
  await pool.query('ALTER TABLE meeting_recordings DROP CONSTRAINT no_poison');
  assert.deepEqual(await retryDeadLetter(refusedLetter.id, retryDeps), { status: 'resolved' });
  const stored = await pool.query(`SELECT status, file_path FROM meeting_recordings WHERE id = $1`, [
    recordingId,
  ]);
  assert.deepEqual(stored.rows[0], { status: 'completed', file_path: 'rec/1.webm' });
  assert.equal((await deadLetters.get(refusedLetter.id))!.status, 'resolved');
  assert.equal((await deadLetters.list({ status: 'pending' })).length, 3);
});
