import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startPrivatePostgres, startPrivateRedis } from '@meetings/db/testing';
import type { PrivatePostgres, PrivateRedis } from '@meetings/db/testing';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import pg from 'pg';
import { WebSocket } from 'ws';
import { projectionNames } from './projections.js';
import { waitUntilCaughtUp } from './testing/caught-up.js';
import { IdempotentLoad } from './testing/idempotent-load.js';
import type { LoadUser } from './testing/idempotent-load.js';
import { localProfileOf } from './testing/local-profile.js';
import { dumpRedis, dumpTables } from './testing/read-model-dump.js';

const main = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const PASSWORD = 'correct horse battery';

let postgres: PrivatePostgres;
let redis: PrivateRedis;
const services: ServiceUnderTest[] = [];

before(async () => {
  // Asynchronous commits (read models, checkpoints, idempotency claims) wait up to 10 s for the
  // WAL writer: a crash loses all of them since the last synchronous commit, every time.
  [postgres, redis] = await Promise.all([
    startPrivatePostgres({ settings: { wal_writer_delay: '10s' } }),
    startPrivateRedis(),
  ]);
});
after(async () => {
  await Promise.allSettled(services.map((s) => s.terminate()));
  await Promise.allSettled([postgres?.stop(), redis?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The room cache's keys of a dump (sessions and throttles live in the same Redis), the queue as a set. */
function roomCacheOf(dump: Record<string, unknown>): Record<string, unknown> {
  const rooms = Object.fromEntries(
    Object.entries(dump).filter(
      ([k]) => k.startsWith('room:') || k.startsWith('room-version:') || k === 'queue:notifications',
    ),
  );
  if (Array.isArray(rooms['queue:notifications']))
    rooms['queue:notifications'] = [...(rooms['queue:notifications'] as string[])].sort();
  return rooms;
}

async function post(baseUrl: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** A WebSocket subscribed to a room; resolves with the close code when the server closes it. */
async function watchRoom(wsUrl: string, token: string, meetingId: string) {
  const ws = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    ws.once('close', (code) => resolve({ code, at: Date.now() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'subscribed') resolve();
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', meetingId })));
  });
  return { ws, closed };
}

test(
  'on private PostgreSQL and Redis crashed under load: no service exits, every idempotent answer replays, read models equal a clean rebuild',
  { timeout: 300_000 },
  async () => {
    const url = await postgres.createDatabase();
    const shared = { db: { name: 'private', url, drop: () => Promise.resolve() }, redisPrefix: '' };
    const env = { DATABASE_URL: url, REDIS_URL: redis.url, LOG_LEVEL: 'warn' };
    const start = (path: string, readyMessage: string, extra: Record<string, string> = {}) =>
      startProcessUnderTest({ main: main(path), readyMessage, shared, env: { ...env, ...extra } }).then(
        (s) => {
          services.push(s);
          return s;
        },
      );
    const [command, query] = await Promise.all([
      start('../../command-service/src/main.ts', 'command-service listening', {
        PASSWORD_HASH_MEMORY_KIB: '1024',
        // The load is a few users sending as fast as they can: a flood the per-user limit would refuse.
        RATE_LIMIT_COMMANDS: '0',
        PASSWORD_HASH_TIME_COST: '1',
        LOG_LEVEL: 'info',
      }),
      start('../../query-api/src/main.ts', 'query-api listening', { LOG_LEVEL: 'info' }),
    ]);
    await start('./main.ts', 'projection-workers running', {
      LOG_LEVEL: 'info',
      PROJECTION_BATCH_SIZE: '50',
      PROJECTION_POLL_INTERVAL_MS: '10',
    });

    // Eight users; four meetings of at most three, so joins are refused (meeting-full) and later
    // accepted again as people leave: an answer that must not change on replay.
    const users: LoadUser[] = [];
    for (let i = 0; i < 8; i++) {
      const username = `crash_${i}_${Date.now().toString(36)}`;
      const reg = await post(command.baseUrl, '/users', {
        username,
        email: `${username}@example.com`,
        password: PASSWORD,
      });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const login = await post(command.baseUrl, '/sessions', { username, password: PASSWORD });
      users.push({ userId: reg.body.userId!, username, token: login.body.token! });
    }
    const meetings: string[] = [];
    for (let i = 0; i < 4; i++) {
      const host = users[i]!;
      const created = await post(
        command.baseUrl,
        '/meetings',
        {
          title: `Crash ${i}`,
          scheduledStartAt: '2030-01-07T09:00:00Z',
          maxParticipants: 3,
          settings: { access: 'open' },
        },
        host.token,
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const meetingId = created.body.meetingId!;
      assert.equal((await post(command.baseUrl, `/meetings/${meetingId}/start`, {}, host.token)).status, 200);
      meetings.push(meetingId);
    }

    const load = new IdempotentLoad(command.baseUrl, users, PASSWORD, meetings);
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined);
    let controller = new AbortController();
    let running = load.run(controller.signal);
    const recoveries: string[] = [];
    /**
     * Crashes a server, restarts it after `downMs`, and measures until commands succeed again.
     * Quiet: the load pauses and the projections catch up first, so that the crash erases their
     * last (asynchronous) commits and the last answers, with no append after them to flush them.
     */
    async function crash(
      name: string,
      server: PrivatePostgres | PrivateRedis,
      downMs: number,
      quiet = false,
    ) {
      await sleep(2500);
      if (quiet) {
        controller.abort();
        await running;
        await waitUntilCaughtUp(pool, redis.url, '', projectionNames());
      }
      await server.crash();
      await sleep(downMs);
      await server.start();
      const restarted = Date.now();
      if (quiet) {
        controller = new AbortController();
        running = load.run(controller.signal);
      }
      while (!load.successes.some((t) => t > restarted)) await sleep(20);
      const after = load.successes.find((t) => t > restarted)! - restarted;
      recoveries.push(
        `${name} down ${downMs} ms${quiet ? ' (quiet)' : ''}: commands succeed again ${after} ms after its restart`,
      );
      return restarted;
    }

    await crash('PostgreSQL', postgres, 1500);
    // A socket whose session Redis loses is closed once Redis is back.
    const watcher = await watchRoom(
      query.baseUrl.replace('http', 'ws') + '/ws',
      users[0]!.token,
      meetings[0]!,
    );
    const redisBack = await crash('Redis', redis, 1000);
    const closed = await Promise.race([watcher.closed, sleep(5000).then(() => null)]);
    assert.ok(closed, 'the WebSocket of a session Redis lost is closed');
    assert.equal(closed.code, 4401);
    recoveries.push(`WebSocket of a lost session closed ${closed.at - redisBack} ms after Redis restarted`);
    await crash('PostgreSQL', postgres, 3000, true);
    await crash('Redis', redis, 2000);
    await crash('PostgreSQL', postgres, 1000);
    await crash('Redis', redis, 1000, true);
    await crash('PostgreSQL', postgres, 2000, true);
    await sleep(2000);
    controller.abort();
    await running;

    console.log(recoveries.join('\n'));
    console.log(
      `${load.settled.length} requests settled (${load.settled.filter((s) => s.status < 300).length} accepted, ` +
        `${load.settled.filter((s) => s.status >= 400).length} refused), ${load.unavailable.count} answers 503 during outages`,
    );
    assert.deepEqual(load.internalErrors, [], 'an outage is a 503, never a 500');
    assert.ok(
      load.settled.some((s) => s.status === 409 && (s.answer as { rule?: string }).rule === 'meeting-full'),
    );

    // Every key replays its first answer, refusals included.
    for (const s of load.settled) {
      const again = await load.send(s.user, s.path, s.body, s.key);
      if (again.status === 401) {
        await load.logIn(s.user);
        Object.assign(again, await load.send(s.user, s.path, s.body, s.key));
      }
      assert.deepEqual(
        { status: again.status, answer: again.answer },
        { status: s.status, answer: s.answer },
        `${s.path} under ${s.key}`,
      );
      assert.ok(again.replayed, `${s.path} under ${s.key} is a replay`);
    }

    // Every read table and room-cache key equals a clean rebuild of the same log.
    try {
      await waitUntilCaughtUp(pool, redis.url, '', projectionNames());
      const clean = await localProfileOf(pool);
      const tables = await dumpTables(pool);
      for (const table of Object.keys(clean.tables)) {
        assert.deepEqual(tables[table], clean.tables[table], `${table} equals the clean rebuild`);
      }
      assert.ok(clean.tables.signaling_messages!.length > 0 && clean.tables.meeting_participants!.length > 0);
      assert.deepEqual(
        roomCacheOf(await dumpRedis(redis.url, '')),
        roomCacheOf(clean.redis),
        'the room cache equals the clean rebuild',
      );
      const dead = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM projection_dead_letters');
      assert.equal(dead.rows[0]!.n, 0, 'no dead letters');
    } finally {
      await pool.end();
    }

    // No service exited: each is still running, and stops gracefully now.
    for (const service of services.splice(0)) assert.equal(await service.terminate(), 0);
  },
);
