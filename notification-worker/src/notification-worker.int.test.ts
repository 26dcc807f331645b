import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, freePort } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresRecipientDirectory } from './adapters/postgres/postgres-recipient-directory.js';
import { SmtpMailer } from './adapters/smtp/smtp-mailer.js';
import { NotificationWorker } from './notification-worker.js';
import type { Mailer } from './ports/mailer.js';
import {
  DEAD_KEY,
  HEARTBEAT_KEY_PREFIX,
  PROCESSING_KEY_PREFIX,
  RedisJobQueue,
  RETRY_KEY,
  WORKERS_KEY,
} from './queue/redis-job-queue.js';
import { addUser, emailJob, newPrefix, NOTIFICATION_QUEUE_KEY, REDIS_URL } from './testing/fixtures.js';
import { startPrivateSmtpd } from './testing/private-smtpd.js';
import type { PrivateSmtpd } from './testing/private-smtpd.js';

const prefix = newPrefix();
let db: TestDatabase;
let pool: pg.Pool;
let smtpd: PrivateSmtpd;
const clients: Redis[] = [];

const client = () => {
  const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
  clients.push(redis);
  return redis;
};

before(async () => {
  [db, smtpd] = await Promise.all([createTestDatabase(), startPrivateSmtpd()]);
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
});
after(async () => {
  for (const redis of clients) redis.disconnect();
  await pool.end();
  await Promise.all([db.drop(), smtpd.stop(), deleteKeys(REDIS_URL, prefix)]);
});

const smtpTo = (port: number) =>
  new SmtpMailer({
    host: '127.0.0.1',
    port,
    from: 'Meetings <noreply@meetings.test>',
    secure: false,
    requireTls: false,
    ignoreTls: true,
    auth: null,
    timeoutMs: 2000,
  });

/** A worker in this process (its own worker id) until `run` is done. */
async function withWorker(mailer: Mailer | null, run: (redis: Redis) => Promise<void>, id = 'w-int') {
  const redis = client();
  const worker = new NotificationWorker({
    queue: new RedisJobQueue(redis, client(), `${id}-${Math.random()}`, 900),
    directory: new PostgresRecipientDirectory(pool),
    mailer,
    logger: pino({ level: 'silent' }),
    maxAttempts: 3,
    retryBaseMs: 50,
    retryMaxMs: 100,
    heartbeatTtlMs: 900,
  });
  await worker.start();
  try {
    await run(redis);
  } finally {
    await worker.stop();
    mailer?.close();
  }
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const deadJobs = async (redis: Redis) =>
  (await redis.lrange(DEAD_KEY, 0, -1)).map((text) => JSON.parse(text) as Record<string, unknown>);

test('sends to the address the user id has now; skips deleted and disabled users', async () => {
  const [alice, deleted, disabled] = await Promise.all([
    addUser(pool),
    addUser(pool, { deleted: true }),
    addUser(pool, { status: 'disabled' }),
  ]);
  await withWorker(smtpTo(smtpd.port), async (redis) => {
    const jobs = [emailJob(deleted.id), emailJob(disabled.id), emailJob(alice.id, 'For Alice')];
    await redis.lpush(NOTIFICATION_QUEUE_KEY, ...jobs.map((j) => JSON.stringify(j)));
    const [mail] = await smtpd.waitForMail(alice.mailbox, 1);
    assert.equal(mail?.to, alice.email);
    assert.equal(mail.subject, 'For Alice');
    await until(
      () => redis.llen(NOTIFICATION_QUEUE_KEY),
      (n) => n === 0,
    );
  });
  assert.deepEqual(await smtpd.mailbox(deleted.mailbox), []);
  assert.deepEqual(await smtpd.mailbox(disabled.mailbox), []);
});

test('a refused recipient (550) goes to the dead list at once, with no address in it', async () => {
  const stranger = await addUser(pool, { domain: 'elsewhere.example' });
  await withWorker(smtpTo(smtpd.port), async (redis) => {
    const job = emailJob(stranger.id);
    await redis.lpush(NOTIFICATION_QUEUE_KEY, JSON.stringify(job));
    const [dead] = await until(
      () => deadJobs(redis),
      (d) => d.some((j) => j.jobId === job.jobId),
    );
    assert.equal(dead?.attempt, 1);
    assert.match(String(dead.failure), /550/);
    assert.ok(!JSON.stringify(dead).includes(stranger.email));
    await redis.del(DEAD_KEY);
  });
});

test('a server that cannot be reached: retried with backoff, then dead after the last attempt', async () => {
  const bob = await addUser(pool);
  await withWorker(smtpTo(await freePort()), async (redis) => {
    const job = emailJob(bob.id);
    const started = Date.now();
    await redis.lpush(NOTIFICATION_QUEUE_KEY, JSON.stringify(job));
    const [dead] = await until(
      () => deadJobs(redis),
      (d) => d.length > 0,
    );
    // Three sends, pauses of 50 and 100 ms between them.
    assert.equal(dead?.attempt, 3);
    assert.equal(dead.jobId, job.jobId);
    assert.ok(Date.now() - started >= 150, 'the retries waited');
    assert.equal(await redis.zcard(RETRY_KEY), 0);
    await redis.del(DEAD_KEY);
  });
});

test('entries that are no job go to the dead list; sms jobs are logged and acknowledged', async () => {
  await withWorker(null, async (redis) => {
    const sms = { ...emailJob(await addUser(pool).then((u) => u.id)), type: 'sms' };
    await redis.lpush(NOTIFICATION_QUEUE_KEY, '{"type":"email","to":"a@b.c"}', JSON.stringify(sms));
    const dead = await until(
      () => deadJobs(redis),
      (d) => d.length === 1,
    );
    assert.equal(dead[0]?.entry, '{"type":"email","to":"a@b.c"}');
    await until(
      () => redis.llen(NOTIFICATION_QUEUE_KEY),
      (n) => n === 0,
    );
    await redis.del(DEAD_KEY);
  });
});

test("a dead worker's jobs are taken back once its heartbeat expired, not before", async () => {
  const carol = await addUser(pool);
  const redis = client();
  const job = JSON.stringify(emailJob(carol.id, 'Left behind'));
  // What a worker killed mid-send leaves: its job in its processing list, a heartbeat still alive.
  await redis
    .multi()
    .lpush(`${PROCESSING_KEY_PREFIX}gone`, job)
    .sadd(WORKERS_KEY, 'gone')
    .set(`${HEARTBEAT_KEY_PREFIX}gone`, '1', 'PX', 1500)
    .exec();
  const started = Date.now();
  await withWorker(smtpTo(smtpd.port), async () => {
    const [mail] = await smtpd.waitForMail(carol.mailbox, 1);
    assert.equal(mail?.subject, 'Left behind');
    assert.ok(Date.now() - started >= 1000, 'not taken while the heartbeat lived');
  });
  assert.equal(await redis.exists(`${PROCESSING_KEY_PREFIX}gone`), 0);
  assert.equal(await redis.sismember(WORKERS_KEY, 'gone'), 0);
});
