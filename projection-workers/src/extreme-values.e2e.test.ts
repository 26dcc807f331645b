import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CommandHandler } from '@meetings/command-service/commands';
import { meetingDecider } from '@meetings/command-service/domain';
import type { MeetingCommand } from '@meetings/command-service/domain';
import { startServiceProcess } from '@meetings/command-service/testing';
import { PostgresEventStore } from '@meetings/db';
import { createUpcasterRegistry, streams } from '@meetings/events';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createProjections, createRunners, projectionNames } from './projections.js';
import { ProjectionWorker } from './runner/projection-worker.js';
import { waitUntilCaughtUp } from './testing/caught-up.js';

let service: ServiceUnderTest;
let pool: pg.Pool;

before(async () => {
  service = await startServiceProcess();
  pool = new pg.Pool({ connectionString: service.db.url, max: 6 });
  pool.on('error', () => undefined);
});
after(async () => {
  await pool.end();
  await service.stop();
});

/** `length` UTF-16 units of astral characters (two units each), the hardest text for a column. */
const astral = (length: number) => '😀'.repeat(Math.floor(length / 2)) + (length % 2 ? 'x' : '');

async function call(method: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${service.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as Record<string, string>;
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** A command as an SFU node's recorder appends it (only it completes or fails a recording). */
async function asRecorder(command: MeetingCommand) {
  const handler = new CommandHandler(new PostgresEventStore(pool), createUpcasterRegistry(), {
    maxAttempts: 3,
    cacheSize: 0,
  });
  const ctx = { actorUserId: null, correlationId: 'sfu:test', commandId: randomUUID(), idempotencyKey: null };
  await handler.handle(meetingDecider, streams.meeting(command.data.meetingId), command, {
    ...ctx,
    now: command.now,
  });
}

async function register(
  username: string,
  email: string,
  extra: { password?: string; displayName?: string } = {},
) {
  const password = extra.password ?? 'correct horse battery';
  const { userId } = await call('POST', '/users', { username, email, ...extra, password });
  const { token } = await call('POST', '/sessions', { username, password });
  return { userId: userId!, token: token! };
}

test('the extreme values every command accepts project into every read model without a dead letter', async () => {
  // Users: the longest name, e-mail, password, display name and avatar URL the API takes.
  const stamp = Date.now().toString(36);
  const longEmail = `${'l'.repeat(64 - stamp.length)}${stamp}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(57)}.com`;
  assert.equal(longEmail.length, 254);
  const host = await register(`h${stamp}`.padEnd(32, '_'), longEmail, {
    password: astral(256),
    displayName: astral(100),
  });
  const guest = await register(`g${stamp}`.slice(0, 3).padEnd(3, 'g'), `g${stamp}@example.com`);
  await call('PATCH', '/users/me', { avatarUrl: `https://example.com/${'a'.repeat(2048 - 20)}` }, host.token);

  // Meetings at both ends of the date range, with the widest offsets, the longest texts.
  const first = await call(
    'POST',
    '/meetings',
    {
      title: astral(200),
      description: astral(5000),
      scheduledStartAt: '1970-01-01T14:00:00+14:00',
      scheduledEndAt: '9999-12-31T09:59:59-14:00',
      maxParticipants: 1000,
      settings: { muteOnJoin: true, allowChat: true, access: 'open' },
    },
    host.token,
  );
  const m = `/meetings/${first.meetingId}`;
  await call('PATCH', m, { scheduledStartAt: '9999-12-31T23:59:58.999Z', maxParticipants: 2 }, host.token);
  await call('POST', `${m}/start`, {}, host.token);
  await call('POST', `${m}/join`, {}, host.token);
  await call('POST', `${m}/join`, {}, guest.token);
  await call('POST', `${m}/chat-messages`, { text: astral(4000) }, guest.token);
  await call('POST', `${m}/chat-messages`, { text: astral(4000), recipientId: host.userId }, guest.token);
  await call('PUT', `${m}/participants/${guest.userId}/role`, { role: 'host' }, host.token);
  const recorded = await call('POST', `${m}/recordings`, {}, host.token);
  await call('POST', `${m}/recordings/${recorded.recordingId}/stop`, {}, host.token);
  const recorder = { actorId: 'sfu:test', now: new Date() };
  await asRecorder({
    type: 'CompleteRecording',
    data: {
      meetingId: first.meetingId!,
      recordingId: recorded.recordingId!,
      storageKey: astral(1024),
      sizeBytes: Number.MAX_SAFE_INTEGER,
      durationSeconds: 31 * 86_400,
      format: astral(20),
    },
    ...recorder,
  });
  const failing = await call('POST', `${m}/recordings`, {}, host.token);
  await asRecorder({
    type: 'FailRecording',
    data: { meetingId: first.meetingId!, recordingId: failing.recordingId!, reason: astral(1000) },
    ...recorder,
  });
  await call(
    'POST',
    `${m}/participants/${guest.userId}/remove`,
    { reason: astral(500), ban: true },
    host.token,
  );
  await call('DELETE', `${m}/bans/${guest.userId}`, {}, host.token);
  await call('PUT', `${m}/invitations/${guest.userId}`, {}, host.token);
  // The longest passcode (64 UTF-16 units) never reaches a read model; the settings it comes with do.
  const settings = {
    access: 'passcode',
    passcode: astral(64),
    lobby: true,
    muteOnJoin: false,
    allowChat: false,
  };
  await call('PATCH', `${m}/settings`, settings, host.token);
  await call('POST', `${m}/end`, {}, host.token);
  const second = await call(
    'POST',
    '/meetings',
    { title: 'x', scheduledStartAt: '1970-01-01T00:00:00Z', maxParticipants: 2 },
    host.token,
  );
  await call('POST', `/meetings/${second.meetingId}/cancel`, { reason: astral(500) }, host.token);

  // Every projection of the local profile, over that log.
  const redis = new Redis(service.redisUrl, { keyPrefix: service.redisPrefix });
  const logger = pino({ level: 'silent' });
  const deps = {
    pool,
    redis,
    redisKeyPrefix: service.redisPrefix,
    logger,
    batchSize: 100,
    pollIntervalMs: 10,
    maxAttempts: 1,
    notifyMaxAgeSeconds: 600,
  };
  const worker = new ProjectionWorker(createRunners(deps, createProjections(deps)), logger);
  worker.start();
  try {
    await waitUntilCaughtUp(pool, service.redisUrl, service.redisPrefix, projectionNames());
  } finally {
    await worker.stop();
    redis.disconnect();
  }
  const dead = await pool.query<{ projection: string; event_type: string; error: string }>(
    'SELECT projection, event_type, error FROM projection_dead_letters',
  );
  assert.deepEqual(dead.rows, [], 'no accepted value is refused by a read model');
  const meeting = await pool.query(
    'SELECT title, description, max_participants FROM meetings WHERE id = $1',
    [first.meetingId],
  );
  assert.equal(meeting.rows[0].title, astral(200));
  assert.equal(meeting.rows[0].description, astral(5000));
  const recording = await pool.query('SELECT file_size FROM meeting_recordings WHERE id = $1', [
    recorded.recordingId,
  ]);
  assert.equal(recording.rows[0].file_size, String(Number.MAX_SAFE_INTEGER));
  const users = await pool.query('SELECT email FROM users WHERE id = $1', [host.userId]);
  assert.equal(users.rows[0].email, longEmail);
});
