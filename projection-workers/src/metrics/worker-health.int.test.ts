import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createMetrics } from '@meetings/command-service/http';
import type { HealthServer, Registry } from '@meetings/command-service/http';
import { metricValue, scrape } from '@meetings/command-service/testing';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { createUpcasterRegistry } from '@meetings/events';
import type { DecodedEvent, NewEvent } from '@meetings/events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { EventStoreSource } from '../adapters/postgres/event-store-source.js';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { PostgresTarget } from '../adapters/postgres/postgres-target.js';
import type { Projector } from '../projectors/projector.js';
import { ProjectionRunner } from '../runner/projection-runner.js';
import { ProjectionWorker } from '../runner/projection-worker.js';
import { sleep } from '../runner/sleep.js';
import { projectionMetrics } from './projection-metrics.js';
import { startWorkerHealth } from './worker-health.js';

/*
 * The projection workers' /metrics and /health/ready on real PostgreSQL and Redis: two test
 * projections, one held behind (its apply waits on a gate) until the test lets it go.
 */
let db: TestDatabase;
let pool: pg.Pool;
const logger = pino({ level: 'silent' });
const meetingId = '00000000-0000-4000-8000-0000000000aa';
const userId = '00000000-0000-4000-8000-0000000000bb';

let redis: Redis;
let registry: Registry;
let worker: ProjectionWorker;
let health: HealthServer;
let baseUrl: string;
let release: () => void;
const gate = new Promise<void>((resolve) => (release = resolve));

function chat(text: string): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'ChatMessageSent',
    schemaVersion: 1,
    data: { meetingId, messageId: randomUUID(), senderId: userId, recipientId: null, text },
    metadata: { correlationId: 'c', causationId: null, actorUserId: userId, idempotencyKey: null },
    occurredAt: new Date(),
  };
}

/** Records chat texts; "poison" cannot apply (dead-lettered); waits on `wait` first when given. */
function projector(name: string, wait?: Promise<void>): Projector<pg.ClientBase> {
  return {
    name,
    eventTypes: ['ChatMessageSent'],
    async apply(_tx, events: readonly DecodedEvent[]) {
      await wait;
      if (events.some((e) => (e.data as { text: string }).text === 'poison')) throw new Error('cannot apply');
    },
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

const ready = async () => (await fetch(`${baseUrl}/health/ready`)).status;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 8 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  registry = createMetrics('projection-workers');
  const metrics = projectionMetrics(registry);
  const store = new PostgresEventStore(pool, { pollIntervalMs: 5 });
  const runners = [projector('fast'), projector('held', gate)].map(
    (p) =>
      new ProjectionRunner({
        projector: p,
        source: new EventStoreSource(store, 5),
        target: new PostgresTarget(pool),
        deadLetters: new PostgresDeadLetterStore(pool),
        upcasters: createUpcasterRegistry(),
        logger,
        batchSize: 100,
        maxAttempts: 2,
        retryDelayMs: 1,
        metrics,
      }),
  );
  worker = new ProjectionWorker(runners, logger);
  health = await startWorkerHealth({
    host: '127.0.0.1',
    port: 0,
    registry,
    pool: pool,
    redis,
    readers: runners,
    maxLagEvents: 0,
    logger,
  });
  baseUrl = `http://127.0.0.1:${health.port}`;
  await store.appendToStream(
    `chat-${meetingId}`,
    [chat('a'), chat('b'), chat('poison'), chat('c')],
    'no_stream',
  );
  worker.start();
});

after(async () => {
  release();
  await worker?.stop();
  await health?.close();
  redis?.disconnect();
  await pool?.end();
  await db?.drop();
});

describe('projection workers: metrics and readiness', () => {
  test('a projection held behind makes /health/ready 503 and shows its lag', async () => {
    assert.equal((await fetch(`${baseUrl}/health/live`)).status, 200);
    await until('fast caught up', async () => {
      const text = await scrape(baseUrl);
      return metricValue(text, 'projection_events_total', { projection: 'fast' }) === 4;
    });
    await sleep(1100); // past the probe's one-second memory
    const text = await scrape(baseUrl);
    assert.equal(metricValue(text, 'projection_lag_events', { projection: 'fast' }), 0);
    assert.equal(metricValue(text, 'projection_lag_seconds', { projection: 'fast' }), 0);
    assert.equal(metricValue(text, 'projection_lag_events', { projection: 'held' }), 4);
    assert.ok(metricValue(text, 'projection_lag_seconds', { projection: 'held' }) > 0);
    assert.equal(metricValue(text, 'projection_dead_letters_total', { projection: 'fast' }), 1);
    assert.equal(metricValue(text, 'projection_dead_letters_pending', { projection: 'fast' }), 1);
    assert.equal(metricValue(text, 'projection_batch_size_sum', { projection: 'fast' }), 4);
    assert.equal(await ready(), 503);
  });

  test('once it catches up its lag is 0 and the worker is ready', async () => {
    release();
    await until('ready', async () => (await ready()) === 200);
    const text = await scrape(baseUrl);
    assert.equal(metricValue(text, 'projection_lag_events', { projection: 'held' }), 0);
    assert.equal(metricValue(text, 'projection_events_total', { projection: 'held' }), 4);
    assert.equal(metricValue(text, 'projection_dead_letters_pending'), 2, 'the poison, once per projection');
    assert.ok(metricValue(text, 'process_resident_memory_bytes', { service: 'projection-workers' }) > 0);
    assert.equal((await fetch(`${baseUrl}/nothing`)).status, 404);
    assert.equal((await fetch(`${baseUrl}/metrics`, { method: 'POST' })).status, 405);
  });
});
