import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startServiceProcess } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { topicLayout } from './relay/topics.js';
import { consumeDomainTopics, publicEventCount } from './testing/domain-topics.js';
import { startKafkaMockBroker } from './testing/kafka-mock-broker.js';
import { startKafkaProfile } from './testing/kafka-profile.js';
import type { KafkaMockBroker } from './testing/kafka-mock-broker.js';
import { localProfileOf } from './testing/local-profile.js';
import { MockTopicAdmin } from './testing/mock-topic-admin.js';

/**
 * Crypto-shredding end to end, on the Kafka path (librdkafka's mock broker stands in for Kafka):
 * once an account is deleted, its username, email and display names are nowhere in clear — no
 * table of the database (the event log included), no Redis key or value, no Kafka message — and
 * rebuilding the read models from the log, through Kafka or straight from the store, keeps them
 * erased.
 */

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const logger = pino({ level: 'silent' });
const PASSWORD = 'correct horse battery';

let svc: ServiceUnderTest;
let broker: KafkaMockBroker;
let kafka: Kafka;
let pool: pg.Pool;

before(async () => {
  [svc, broker] = await Promise.all([startServiceProcess(), startKafkaMockBroker()]);
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(4));
  kafka = new Kafka({ clientId: 'shredding-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  pool = new pg.Pool({ connectionString: svc.db.url, max: 10 });
  pool.on('error', () => undefined);
});
after(async () => {
  await pool?.end();
  await Promise.all([svc?.stop(), broker?.stop()]);
});

/** The relay and every projection reading Kafka, in this process, on the service's database and prefix. */
const startProfile = (groupPrefix: string) =>
  startKafkaProfile({
    kafka,
    pool,
    databaseUrl: svc.db.url,
    redisUrl: svc.redisUrl,
    redisPrefix: svc.redisPrefix,
    groupPrefix,
    logger,
  });

async function api(method: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${svc.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as Record<string, any>;
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const userRow = async (userId: string) =>
  (await pool.query('SELECT username, email, full_name, deleted_at FROM users WHERE id = $1', [userId]))
    .rows[0] as { username: string; email: string; full_name: string; deleted_at: Date | null } | undefined;

/** Which of `secrets` occur in `text`, case-insensitively. */
const leaked = (text: string, secrets: readonly string[]) =>
  secrets.filter((s) => text.toLowerCase().includes(s.toLowerCase()));

/** Every row of every table of the database, as text. */
async function databaseText(): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const text: Record<string, string> = {};
  for (const { name } of rows) {
    const all = await pool.query<{ t: string }>(`SELECT t::text AS t FROM "${name}" t`);
    text[name] = all.rows.map((r) => r.t).join('\n');
  }
  return text;
}

/** Every key under the service's prefix with its value, as text. */
async function redisText(): Promise<string> {
  const redis = new Redis(svc.redisUrl);
  try {
    const parts: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${svc.redisPrefix}*`, 'COUNT', 1000);
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'hash'
            ? await redis.hgetall(key)
            : type === 'set'
              ? await redis.smembers(key)
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'zset'
                  ? await redis.zrange(key, 0, -1)
                  : type === 'string'
                    ? await redis.get(key)
                    : `<${type}>`;
        parts.push(`${key} ${JSON.stringify(value)}`);
      }
      cursor = next;
    } while (cursor !== '0');
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}

function assertNowhere(where: Record<string, string>, secrets: readonly string[]) {
  for (const [place, text] of Object.entries(where)) {
    assert.deepEqual(leaked(text, secrets), [], `${place} holds personal data of the deleted user`);
  }
}

test(
  'Kafka path: after a deletion no table, Redis key or Kafka message holds the user’s names; rebuilds keep them erased',
  { timeout: 300_000 },
  async () => {
    const stopFirst = await startProfile(`shred-${Date.now()}.`);
    const tag = randomBytes(4).toString('hex');
    const username = `shred_${tag}`;
    const email = `mail_${tag}@example.org`;
    const [displayName, renamed] = [`Shredded Person ${tag}`, `Renamed Person ${tag}`];
    const secrets = [username, email, displayName, renamed];

    const { userId } = await api('POST', '/users', { username, email, password: PASSWORD, displayName });
    const bystander = `keep_${tag}`;
    await api('POST', '/users', {
      username: bystander,
      email: `${bystander}@example.org`,
      password: PASSWORD,
    });
    const { token } = await api('POST', '/sessions', { username, password: PASSWORD });
    await api(
      'PATCH',
      '/users/me',
      { displayName: renamed, avatarUrl: `https://cdn.example.org/${username}.png` },
      token,
    );
    await api('POST', '/meetings', { title: 'Before I go', scheduledStartAt: '2030-01-07T09:00:00Z' }, token);
    await api('POST', '/sessions', { username, password: PASSWORD });

    // Through Kafka, the projection decrypted the names with the key table.
    await until('the renamed user row', async () =>
      (await userRow(userId))?.full_name === renamed ? true : undefined,
    );
    assert.equal((await userRow(userId))!.username, username);

    await api('DELETE', '/users/me', { password: PASSWORD }, token);
    const events = await publicEventCount(pool);
    await until('the erased row and every event in the audit trail', async () => {
      const row = await userRow(userId);
      const logged = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM operation_logs');
      return row?.deleted_at && logged.rows[0]!.n === events ? true : undefined;
    });
    assert.deepEqual(await userRow(userId), {
      username: `erased-${userId}`,
      email: `erased-${userId}`,
      full_name: `erased-${userId}`,
      deleted_at: (await userRow(userId))!.deleted_at,
    });

    const database = await databaseText();
    assert.ok(database.users!.includes(bystander), 'the scan sees names in clear where they are');
    assertNowhere(database, secrets);
    assertNowhere({ redis: await redisText() }, secrets);
    const delivered = await consumeDomainTopics(kafka, { events });
    const messages = JSON.stringify(
      delivered.map((d) => ({
        ...d,
        headers: Object.fromEntries(Object.entries(d.headers ?? {}).map(([k, v]) => [k, String(v)])),
      })),
    );
    assert.ok(messages.includes('UserDeleted'));
    assertNowhere({ 'Kafka messages': messages }, secrets);
    await stopFirst();

    // Rebuilt through Kafka: the read tables emptied, every projection a fresh consumer group.
    await pool.query(
      `TRUNCATE users, meetings, meeting_participants, meeting_recordings, media_streams, operation_logs,
         projection_dead_letters`,
    );
    const stopRebuild = await startProfile(`shred-rebuild-${Date.now()}.`);
    try {
      await until('the rebuilt audit trail', async () => {
        const logged = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM operation_logs');
        return logged.rows[0]!.n === events && (await userRow(userId))?.deleted_at ? true : undefined;
      });
    } finally {
      await stopRebuild();
    }
    assert.equal((await userRow(userId))!.username, `erased-${userId}`);
    assertNowhere(await databaseText(), secrets);

    // Rebuilt straight from the store (the local profile), from a copy of the log and its keys.
    const local = await localProfileOf(pool);
    assert.ok(JSON.stringify(local.tables.users).includes(`erased-${userId}`));
    assertNowhere({ tables: JSON.stringify(local.tables), redis: JSON.stringify(local.redis) }, secrets);
  },
);
