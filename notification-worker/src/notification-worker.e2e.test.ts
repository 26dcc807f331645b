import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys, metricValue, scrape } from '@meetings/command-service/testing';
import { currentSchemaVersion, streams } from '@meetings/events';
import type { EventType, NewEvent } from '@meetings/events';
import { createProjections, createRunners, ProjectionWorker } from '@meetings/projection-workers';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PROCESSING_KEY_PREFIX } from './queue/redis-job-queue.js';
import {
  addUser,
  emailJob,
  newPrefix,
  NOTIFICATION_QUEUE_KEY,
  REDIS_URL,
  spawnWorker,
} from './testing/fixtures.js';
import type { WorkerProcess } from './testing/fixtures.js';
import { startPrivateSmtpd } from './testing/private-smtpd.js';
import type { PrivateSmtpd } from './testing/private-smtpd.js';

const prefix = newPrefix();
let db: TestDatabase;
let pool: pg.Pool;
let redis: Redis;
let smtpd: PrivateSmtpd;
const workers: WorkerProcess[] = [];

before(async () => {
  [db, smtpd] = await Promise.all([createTestDatabase(), startPrivateSmtpd()]);
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  redis = new Redis(REDIS_URL, { keyPrefix: prefix });
});
after(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  redis.disconnect();
  await pool.end();
  await Promise.all([db.drop(), smtpd.stop(), deleteKeys(REDIS_URL, prefix)]);
});

function worker(env: Record<string, string> = {}): WorkerProcess {
  const w = spawnWorker({
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: prefix,
    SMTP_HOST: smtpd.host,
    SMTP_PORT: String(smtpd.port),
    SMTP_FROM: 'Meetings <noreply@meetings.test>',
    SMTP_IGNORE_TLS: 'true',
    NOTIFY_HEARTBEAT_TTL_MS: '1000',
    ...env,
  });
  workers.push(w);
  return w;
}

async function stopWorker(w: WorkerProcess): Promise<void> {
  w.child.kill('SIGTERM');
  await w.exited;
  assert.equal(w.child.exitCode, 0, w.output());
}

/** Every job still queued or held by a worker. */
async function pendingJobs(): Promise<number> {
  const processing = await redis.keys(`${prefix}${PROCESSING_KEY_PREFIX}*`);
  let n = await redis.llen(NOTIFICATION_QUEUE_KEY);
  for (const key of processing) n += await redis.llen(key.slice(prefix.length));
  return n;
}

async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function event(type: EventType, data: Record<string, unknown>, actor: string): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: currentSchemaVersion(type),
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actorUserId: actor, idempotencyKey: null },
    occurredAt: new Date(),
  };
}

test('events → room-cache projection → queue → worker → maildir; a deleted invitee gets nothing', async (t) => {
  const [host, alice, gone] = await Promise.all([
    addUser(pool),
    addUser(pool),
    addUser(pool, { deleted: true }),
  ]);
  const meetingId = randomUUID();
  const store = new PostgresEventStore(pool);
  const deps = {
    pool,
    redis,
    redisKeyPrefix: prefix,
    logger: pino({ level: 'silent' }),
    batchSize: 100,
    pollIntervalMs: 10,
    maxAttempts: 2,
    notifyMaxAgeSeconds: 600,
  };
  const projections = createProjections(deps).filter((p) => p.projector.name === 'room-cache');
  const projecting = new ProjectionWorker(createRunners(deps, projections), deps.logger);
  projecting.start();
  const w = worker();
  try {
    await w.logged('notification-worker running');
    const stream = streams.meeting(meetingId);
    await store.appendToStream(
      stream,
      [
        event(
          'MeetingScheduled',
          {
            meetingId,
            hostId: host.id,
            title: 'Planning',
            description: null,
            scheduledStartAt: '2030-01-01T09:00:00Z',
            scheduledEndAt: null,
            maxParticipants: 10,
            settings: { muteOnJoin: false, allowChat: true, access: 'invited', lobby: false },
            passcodeVersion: null,
          },
          host.id,
        ),
        event('ParticipantInvited', { meetingId, userId: alice.id, invitedBy: host.id }, host.id),
        event('ParticipantInvited', { meetingId, userId: gone.id, invitedBy: host.id }, host.id),
      ],
      'no_stream',
    );
    const [invited] = await smtpd.waitForMail(alice.mailbox, 1);
    assert.equal(invited?.to, alice.email);
    assert.equal(invited.subject, 'You are invited to a meeting');
    assert.match(invited.body, new RegExp(meetingId));

    const appended = Date.now();
    await store.appendToStream(
      stream,
      [event('MeetingStarted', { meetingId, startedBy: host.id }, host.id)],
      3,
    );
    const mail = await smtpd.waitForMail(alice.mailbox, 2);
    t.diagnostic(`MeetingStarted appended → in the maildir: ${Date.now() - appended} ms`);
    // Maildir names order messages only to the second: compare the set, not the order.
    assert.deepEqual(mail.map((m) => m.subject).sort(), [
      'A meeting you are invited to has started',
      'You are invited to a meeting',
    ]);
    await until(async () => (await pendingJobs()) === 0, 'every job handled');
    assert.deepEqual(await smtpd.mailbox(gone.mailbox), []);
    assert.deepEqual(await smtpd.mailbox(host.mailbox), [], 'the starter is not told');
    assert.match(w.output(), /email job dropped: the user is deleted/);
    // Nothing in Redis holds an address: jobs name user ids.
    const dump = JSON.stringify(await redis.lrange(NOTIFICATION_QUEUE_KEY, 0, -1));
    assert.ok(!dump.includes('@'));
  } finally {
    await projecting.stop();
    await stopWorker(w);
  }
});

test('a worker killed mid-send loses no job: the next one delivers it', async (t) => {
  const carol = await addUser(pool);
  const first = worker();
  await first.logged('notification-worker running');
  // A frozen server accepts the connection and never answers: the send hangs, the job is held.
  smtpd.pause();
  try {
    await redis.lpush(NOTIFICATION_QUEUE_KEY, JSON.stringify(emailJob(carol.id, 'Survives a crash')));
    await until(
      async () => (await redis.keys(`${prefix}${PROCESSING_KEY_PREFIX}*`)).length === 1,
      'job taken',
    );
    // Past the address look-up and into the send (connected, waiting for the greeting).
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.child.kill('SIGKILL');
    await first.exited;
  } finally {
    smtpd.resume();
  }
  const killed = Date.now();
  assert.equal(await pendingJobs(), 1, 'the job waits in the dead worker’s processing list');
  const second = worker();
  const [mail] = await smtpd.waitForMail(carol.mailbox, 1);
  t.diagnostic(`killed → delivered by the next worker: ${Date.now() - killed} ms (heartbeat TTL 1000 ms)`);
  assert.equal(mail?.subject, 'Survives a crash');
  await until(async () => (await pendingJobs()) === 0, 'nothing left behind');
  await stopWorker(second);
});

test('without SMTP settings an email job is logged and acknowledged', async () => {
  const dave = await addUser(pool);
  const w = worker({ SMTP_HOST: '', SMTP_FROM: '' });
  await w.logged('notification-worker running');
  const job = emailJob(dave.id);
  await redis.lpush(NOTIFICATION_QUEUE_KEY, JSON.stringify(job));
  await w.logged(job.jobId);
  const line = w
    .output()
    .split('\n')
    .find((l) => l.includes(job.jobId))!;
  assert.match(line, /email job logged: no SMTP configured/);
  assert.ok(!line.includes(dave.email), 'the log names the user id, not the address');
  await until(async () => (await pendingJobs()) === 0, 'acknowledged');
  assert.deepEqual(await smtpd.mailbox(dave.mailbox), []);
  await stopWorker(w);
});

test('GET /metrics on the metrics port counts job outcomes and the queue by state', async () => {
  const erin = await addUser(pool);
  const w = worker({ SMTP_HOST: '', SMTP_FROM: '' });
  await w.logged('notification-worker running');
  const listening = w
    .output()
    .split('\n')
    .find((l) => l.includes('metrics and health listening'));
  assert.ok(listening, w.output());
  const baseUrl = `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;
  const job = emailJob(erin.id);
  await redis.lpush(NOTIFICATION_QUEUE_KEY, JSON.stringify(job), 'not a job');
  await until(async () => (await pendingJobs()) === 0, 'both taken');

  const text = await scrape(baseUrl);
  assert.equal(metricValue(text, 'notification_jobs_total', { outcome: 'logged' }), 1);
  assert.equal(metricValue(text, 'notification_jobs_total', { outcome: 'invalid' }), 1);
  assert.equal(metricValue(text, 'notification_queue_jobs', { state: 'queued' }), 0);
  assert.ok(metricValue(text, 'notification_queue_jobs', { state: 'dead' }) >= 1);
  assert.ok(!text.includes(erin.id) && !text.includes(erin.email), 'no personal data');
  assert.equal((await fetch(`${baseUrl}/health/ready`)).status, 200);
  await stopWorker(w);
});
