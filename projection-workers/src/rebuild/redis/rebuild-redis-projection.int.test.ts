import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { NOTIFICATION_QUEUE_KEY, parseCheckpoint } from '@meetings/events';
import { deleteKeys } from '@meetings/command-service/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { checkpointKey } from '../../adapters/redis/redis-target.js';
import { roomKey } from '../../projectors/redis/room-cache-projector.js';
import { runScenario } from '../../testing/scenario.js';
import { RebuildRefused } from '../rebuild-progress.js';
import type { RebuildProgress } from '../rebuild-progress.js';
import { cacheAndFold, liveBytes, REDIS_URL, startLiveCache } from './live-cache-fixture.js';
import type { LiveCache } from './live-cache-fixture.js';
import { rebuildRedisProjection } from './rebuild-redis-projection.js';
import { startReader } from './room-reader.js';

/*
 * Blue/green rebuild of the Redis room cache against a log of 20,000+ events and a live
 * room-cache run: readers never see a gap or a step back, the build announces nothing, and an
 * interrupted rebuild leaves the live keys as they were and resumes.
 */

let db: TestDatabase | undefined;
let pool: pg.Pool;
const prefixes: string[] = [];
const lives: LiveCache[] = [];

const newPrefix = () => {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  prefixes.push(prefix);
  return prefix;
};

function depsFor(prefix: string, redis: Redis) {
  return {
    pool,
    redis,
    keyPrefix: prefix,
    logger: pino({ level: 'silent' }),
    batchSize: 500,
    notifyMaxAgeSeconds: 600,
  };
}

/** A live room cache under a new prefix, caught up with the log. */
async function liveCache(): Promise<{ prefix: string; live: LiveCache }> {
  const prefix = newPrefix();
  const live = startLiveCache(pool, prefix);
  lives.push(live);
  await live.caughtUp();
  return { prefix, live };
}

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 20 });
  const store = new PostgresEventStore(pool);
  // Eight histories side by side (a sequential 20,000 takes over a minute), interleaved in the log.
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  await Promise.all(
    seeds.map((seed) => runScenario(store, { seed, users: 20, meetings: 60, events: 2_550 })),
  );
});

after(async () => {
  for (const live of lives) await live.stop();
  if (pool) {
    pool.on('error', () => undefined);
    await pool.end();
  }
  await Promise.all([db?.drop(), ...prefixes.map((p) => deleteKeys(REDIS_URL, p))]);
});

test('session-roles is refused: it updates live login sessions in place', async () => {
  const redis = new Redis(REDIS_URL, { keyPrefix: newPrefix() });
  try {
    await assert.rejects(
      rebuildRedisProjection(depsFor('x:', redis), 'session-roles' as 'room-cache', {}),
      (error: unknown) => error instanceof RebuildRefused && /session-roles/.test(error.message),
    );
  } finally {
    redis.disconnect();
  }
});

test(
  'while the live run follows new events, readers never see a room key missing or a version going back',
  { timeout: 240_000 },
  async (t) => {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events');
    assert.ok(rows[0]!.n >= 20_000, `a log of ${rows[0]!.n} events`);
    const { prefix, live } = await liveCache();
    // What the rebuild must repair: a room that should not exist, a field gone wrong.
    const stray = randomUUID();
    await live.redis.hset(roomKey(stray), { meeting_id: stray, version: '1' });
    const [someRoom] = await live.redis.keys(`${prefix}room:*`);
    await live.redis.hset(someRoom!.slice(prefix.length), 'status', 'corrupted');

    const reader = await startReader(new Redis(REDIS_URL, { keyPrefix: prefix }), [stray]);
    // New meetings keep coming (their own users) until the rebuild is over, the switch included.
    let rebuilding = true;
    const store = new PostgresEventStore(pool);
    const appending = (async () => {
      for (let seed = 100; rebuilding; seed++)
        await runScenario(store, { seed, users: 4, meetings: 6, events: 150 });
    })();
    const phases: RebuildProgress['phase'][] = [];
    let result;
    try {
      result = await rebuildRedisProjection(depsFor(prefix, live.redis), 'room-cache', {
        progressEveryMs: 100,
        onProgress: (p) => phases.push(p.phase),
      });
    } finally {
      rebuilding = false;
      await appending;
    }
    await live.caughtUp();
    const seen = await reader.stop();

    assert.deepEqual(seen.violations, [], 'no room key missing, no version going back');
    assert.ok(seen.rounds > 20, `the reader read throughout (${seen.rounds} rounds of ${seen.keys} keys)`);
    assert.equal(result.resumed, false);
    assert.equal(phases.at(-1), 'switched');
    const attempts = phases.filter((p) => p === 'switching').length;
    t.diagnostic(
      `rebuilt in ${result.seconds.toFixed(2)} s, switched at attempt ${attempts}, reader ${seen.rounds} rounds`,
    );
    const { actual, expected } = await cacheAndFold(pool, prefix);
    assert.deepEqual(actual, expected, 'the cache (the stray room gone, the field repaired) equals the fold');
  },
);

test(
  'the build pushes no job and publishes nothing; events after the switch are announced by the live run',
  { timeout: 240_000 },
  async () => {
    const { prefix, live } = await liveCache();
    const subscriber = new Redis(REDIS_URL);
    const messages: string[] = [];
    subscriber.on('pmessage', (_pattern: string, channel: string) => messages.push(channel));
    try {
      await subscriber.psubscribe(`${prefix}*`, 'room-changes:*');
      const queue = await live.redis.lrange(NOTIFICATION_QUEUE_KEY, 0, -1);
      const liveAt = await live.redis.get(checkpointKey('room-cache'));

      const result = await rebuildRedisProjection(depsFor(prefix, live.redis), 'room-cache', {});
      assert.deepEqual(
        result.switchedAt,
        parseCheckpoint(liveAt!),
        'switched exactly at the live checkpoint',
      );
      // Messages reach a subscriber in the order they are published: once this one is in, any from the build would be.
      await live.redis.publish(`${prefix}sentinel`, 'after the rebuild');
      await until(() => messages.includes(`${prefix}sentinel`));
      assert.deepEqual(messages, [`${prefix}sentinel`], 'the build published nothing');
      assert.deepEqual(
        await live.redis.lrange(NOTIFICATION_QUEUE_KEY, 0, -1),
        queue,
        'the build pushed no job',
      );

      await runScenario(new PostgresEventStore(pool), { seed: 900, users: 6, meetings: 8, events: 300 });
      await live.caughtUp();
      assert.ok(
        messages.some((c) => c.startsWith(`${prefix}room-changes:`)),
        'the live run publishes on',
      );
      assert.ok(
        (await live.redis.llen(NOTIFICATION_QUEUE_KEY)) > queue.length,
        'the live run pushes jobs on',
      );
      const { actual, expected } = await cacheAndFold(pool, prefix);
      assert.deepEqual(actual, expected, 'every job once, every room as the fold has it');
    } finally {
      subscriber.disconnect();
    }
  },
);

test(
  'an aborted or SIGKILLed rebuild leaves the live keys byte-identical, and the next one resumes it',
  { timeout: 240_000 },
  async () => {
    const { prefix, live } = await liveCache();
    await live.stop(); // the live keys hold still, to be compared byte for byte
    const before = await liveBytes(prefix);
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    try {
      const controller = new AbortController();
      let generation = '';
      await assert.rejects(
        rebuildRedisProjection({ ...depsFor(prefix, redis), batchSize: 100 }, 'room-cache', {
          signal: controller.signal,
          progressEveryMs: 10,
          onProgress: (p) => {
            generation = p.generation;
            if (p.position > 0) controller.abort();
          },
        }),
        { name: 'AbortError' },
      );
      assert.deepEqual(await liveBytes(prefix), before, 'aborted: live keys untouched');
      const abortedAt = await builtPosition(redis, generation);
      assert.ok(abortedAt > 0, 'the aborted build had made progress');

      const killedAt = await rebuildInChildKilled(prefix, abortedAt);
      assert.deepEqual(await liveBytes(prefix), before, 'killed: live keys untouched');
      assert.ok(
        (await builtPosition(redis, generation)) >= killedAt.position,
        'the killed build kept its checkpoint',
      );
      assert.equal(killedAt.generation, generation, 'the child continued the same generation');

      const positions: number[] = [];
      const result = await rebuildRedisProjection(depsFor(prefix, redis), 'room-cache', {
        onProgress: (p) => positions.push(p.position),
      });
      assert.equal(result.resumed, true);
      assert.equal(result.generation, generation);
      assert.ok(positions[0]! >= killedAt.position, 'resumed from its checkpoint, not from the start');
      assert.deepEqual(result.switchedAt, parseCheckpoint((await redis.get(checkpointKey('room-cache')))!));
      const { actual, expected } = await cacheAndFold(pool, prefix);
      assert.deepEqual(actual, expected, 'complete, and nothing of the build left');
    } finally {
      redis.disconnect();
    }
  },
);

async function builtPosition(redis: Redis, generation: string): Promise<number> {
  const text = await redis.get(`rebuild:${generation}:${checkpointKey('room-cache')}`);
  return text ? parseCheckpoint(text).globalPosition : 0;
}

/** Runs a rebuild in a child process and SIGKILLs it once its build has gone past `past`. */
function rebuildInChildKilled(prefix: string, past: number): Promise<RebuildProgress> {
  const script = fileURLToPath(new URL('./rebuild-in-child.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', script, db!.url, REDIS_URL, prefix],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let buffered = '';
    let killedAt: RebuildProgress | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const progress = JSON.parse(line) as RebuildProgress;
        if (!killedAt && progress.phase === 'building' && progress.position > past) {
          killedAt = progress;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL' && killedAt) resolve(killedAt);
      else
        reject(new Error(`the child rebuild ended (${signal ?? _code}) before it could be killed mid-build`));
    });
  });
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
