import { PostgresEventStore } from '@meetings/db';
import { createUpcasterRegistry, decodeEvent, START } from '@meetings/events';
import type { Checkpoint, DecodedEvent } from '@meetings/events';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { pino } from 'pino';
import { EventStoreSource } from '../../adapters/postgres/event-store-source.js';
import { PostgresDeadLetterStore } from '../../adapters/postgres/postgres-dead-letter-store.js';
import { RedisTarget } from '../../adapters/redis/redis-target.js';
import { RoomCacheProjector } from '../../projectors/redis/room-cache-projector.js';
import { ProjectionRunner } from '../../runner/projection-runner.js';
import { ProjectionWorker } from '../../runner/projection-worker.js';
import { waitUntilCaughtUp } from '../../testing/caught-up.js';
import { foldRoomCache, parseRoomCacheDump } from '../../testing/expected/expected-redis.js';
import { dumpRedis } from '../../testing/read-model-dump.js';

/*
 * For the rebuild tests: a live room-cache run under a key prefix, as projection-workers runs it
 * (the log, a fenced RedisTarget, announcements on), and the cache as an independent fold expects it.
 */

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const NOTIFY_MAX_AGE_SECONDS = 600;

export interface LiveCache {
  redis: Redis;
  stop(): Promise<void>;
  caughtUp(): Promise<void>;
}

export function startLiveCache(pool: pg.Pool, prefix: string): LiveCache {
  const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
  const logger = pino({ level: 'silent' });
  const runner = new ProjectionRunner({
    projector: new RoomCacheProjector({ channelPrefix: prefix, notifyMaxAgeSeconds: NOTIFY_MAX_AGE_SECONDS }),
    target: new RedisTarget(redis),
    source: new EventStoreSource(new PostgresEventStore(pool), 10),
    deadLetters: new PostgresDeadLetterStore(pool),
    upcasters: createUpcasterRegistry(),
    logger,
    batchSize: 500,
  });
  const worker = new ProjectionWorker([runner], logger);
  worker.start();
  let stopped = false;
  return {
    redis,
    caughtUp: () => waitUntilCaughtUp(pool, REDIS_URL, prefix, ['room-cache']),
    async stop() {
      if (stopped) return;
      stopped = true;
      await worker.stop();
      redis.disconnect();
    },
  };
}

export async function readLog(pool: pg.Pool): Promise<DecodedEvent[]> {
  const store = new PostgresEventStore(pool);
  const upcasters = createUpcasterRegistry();
  const events: DecodedEvent[] = [];
  let from: Checkpoint = START;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, max: 5000 });
    if (page.events.length === 0) return events;
    events.push(...page.events.map((e) => decodeEvent(upcasters, e)));
    from = page.checkpoint;
  }
}

/** The cache under `prefix` (checkpoints left out, JSON parsed), and what the whole log implies. */
export async function cacheAndFold(
  pool: pg.Pool,
  prefix: string,
): Promise<{ actual: Record<string, unknown>; expected: Record<string, unknown> }> {
  const actual = parseRoomCacheDump(await dumpRedis(REDIS_URL, prefix));
  // The scenario's events lie ahead of the clock: every one was recent enough to announce.
  const fold = foldRoomCache(await readLog(pool), {
    now: new Date(),
    notifyMaxAgeSeconds: NOTIFY_MAX_AGE_SECONDS,
  });
  return { actual, expected: fold };
}

/** Every key under `prefix` but the rebuild's, with its DUMP bytes (hex): for "untouched". */
export async function liveBytes(prefix: string): Promise<Record<string, string>> {
  const raw = new Redis(REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      keys.push(...found.filter((k) => !k.startsWith(`${prefix}rebuild:`)));
      cursor = next;
    } while (cursor !== '0');
    const bytes: Record<string, string> = {};
    for (const key of keys.sort())
      bytes[key] = ((await raw.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('hex');
    return bytes;
  } finally {
    raw.disconnect();
  }
}
