import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { createUpcasterRegistry } from '@meetings/events';
import type { DecodedEvent, NewEvent } from '@meetings/events';
import pg from 'pg';
import { pino } from 'pino';
import { EventStoreSource } from '../adapters/postgres/event-store-source.js';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { loadCheckpoint, PostgresTarget } from '../adapters/postgres/postgres-target.js';
import type { Projector } from '../projectors/projector.js';
import { ProjectionRunner } from './projection-runner.js';

let db: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;
const logger = pino({ level: 'silent' });
const meetingId = '00000000-0000-4000-8000-0000000000aa';
const userId = '00000000-0000-4000-8000-0000000000bb';

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  store = new PostgresEventStore(pool, { pollIntervalMs: 5 });
  await pool.query('CREATE TABLE seen (event_id uuid PRIMARY KEY, text text NOT NULL)');
});
after(async () => {
  await pool.end();
  await db.drop();
});

function chat(text: string, type = 'ChatMessageSent'): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    data: { meetingId, messageId: randomUUID(), senderId: userId, recipientId: null, text },
    metadata: { correlationId: 'c', causationId: null, actorUserId: userId, idempotencyKey: null },
    occurredAt: new Date(),
  };
}

/** Records each chat text; throws on "poison:<its name>", as a projector with a bug would. */
function recorder(name: string, failures = { count: 0 }): Projector<pg.ClientBase> {
  return {
    name,
    eventTypes: ['ChatMessageSent'],
    async apply(tx, events: readonly DecodedEvent[]) {
      for (const e of events) {
        const { text } = e.data as { text: string };
        if (text === `poison:${name}`) {
          failures.count += 1;
          throw new Error('cannot apply poison');
        }
        await tx.query('INSERT INTO seen VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          e.eventId,
          `${name}:${text}`,
        ]);
      }
    },
  };
}

function runner(projector: Projector<pg.ClientBase>, batchSize = 4) {
  return new ProjectionRunner({
    projector,
    source: new EventStoreSource(store, 5),
    target: new PostgresTarget(pool),
    deadLetters: new PostgresDeadLetterStore(pool),
    upcasters: createUpcasterRegistry(),
    logger,
    batchSize,
    maxAttempts: 3,
    retryDelayMs: 1,
  });
}

/** Runs until `done()` holds (or 10 s), then stops the runner gracefully. */
async function runUntil(r: ProjectionRunner<pg.ClientBase>, done: () => Promise<boolean>) {
  const controller = new AbortController();
  const running = r.run(controller.signal);
  for (let i = 0; i < 1000 && !(await done()); i++) await new Promise((res) => setTimeout(res, 10));
  controller.abort();
  await running;
}

const texts = async (prefix: string) =>
  (
    await pool.query<{ text: string }>(`SELECT text FROM seen WHERE text LIKE $1 ORDER BY text`, [
      `${prefix}:%`,
    ])
  ).rows.map((r) => r.text);

describe('ProjectionRunner (real PostgreSQL event store)', () => {
  test('applies every event in batches, checkpoints, and resumes after a restart without repeats', async () => {
    const stream = `meeting-${randomUUID()}`;
    await store.appendToStream(
      stream,
      ['a', 'b', 'c', 'd', 'e'].map((t) => chat(t)),
      'no_stream',
    );
    await store.appendToStream(`user-${randomUUID()}`, [chat('ignored', 'UserProfileUpdated')], 'no_stream');
    let applied = 0;
    const counting = recorder('resume');
    const projector = {
      ...counting,
      apply: async (tx: pg.ClientBase, es: readonly DecodedEvent[]) => (
        (applied += es.length),
        counting.apply(tx, es)
      ),
    };
    await runUntil(runner(projector), async () => (await texts('resume')).length === 5);
    assert.deepEqual(await texts('resume'), ['resume:a', 'resume:b', 'resume:c', 'resume:d', 'resume:e']);
    const checkpoint = await loadCheckpoint(pool, 'resume');
    assert.ok(checkpoint && checkpoint.globalPosition > 0);

    await store.appendToStream(stream, [chat('f')], 5);
    applied = 0;
    await runUntil(runner(projector), async () => (await texts('resume')).length === 6);
    assert.equal(applied, 1, 'a restarted runner continues after its checkpoint');
  });

  test('a poison event is tried, dead-lettered with its error, and later events still apply', async () => {
    const stream = `meeting-${randomUUID()}`;
    const events = [chat('before'), chat('poison:poison'), chat('after')];
    await store.appendToStream(stream, events, 'no_stream');
    const failures = { count: 0 };
    await runUntil(runner(recorder('poison', failures)), async () => (await texts('poison')).length === 2);
    assert.deepEqual(await texts('poison'), ['poison:after', 'poison:before']);
    const letters = await new PostgresDeadLetterStore(pool).list({ projection: 'poison' });
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.eventId, events[1]!.eventId);
    assert.equal(letters[0]!.attempts, 3);
    assert.match(letters[0]!.error, /cannot apply poison/);
    assert.equal(letters[0]!.status, 'pending');
    assert.equal(failures.count, 1 + 3, 'once in the batch, then three tries alone');
  });

  test('an event that cannot be decoded is dead-lettered at once', async () => {
    const bad = { ...chat('x'), data: { meetingId: 'not-a-uuid' } };
    await store.appendToStream(`meeting-${randomUUID()}`, [bad, chat('fine')], 'no_stream');
    // This runner reads the whole log, earlier tests' events too (one of them is new to it): wait
    // for the event after the bad one, not for a count.
    await runUntil(runner(recorder('decode')), async () => (await texts('decode')).includes('decode:fine'));
    const letters = await new PostgresDeadLetterStore(pool).list({ projection: 'decode' });
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.eventId, bad.eventId);
    assert.match(letters[0]!.error, /InvalidEventDataError/);
  });

  test('a failing database is not the event’s fault: nothing is dead-lettered, the runner stops', async () => {
    await store.appendToStream(`meeting-${randomUUID()}`, [chat('one'), chat('two')], 'no_stream');
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), {});
    const broken: Projector<pg.ClientBase> = {
      name: 'outage',
      eventTypes: ['ChatMessageSent'],
      apply: () => Promise.reject(lost),
    };
    await assert.rejects(runner(broken).run(new AbortController().signal), /Connection terminated/);
    assert.deepEqual(await new PostgresDeadLetterStore(pool).list({ projection: 'outage' }), []);
    assert.equal(await loadCheckpoint(pool, 'outage'), null);
  });
});
