import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuplicateEventIdError, WrongExpectedVersionError } from '@meetings/events';
import pg from 'pg';
import { createTestDatabase } from '../testing/index.js';
import type { TestDatabase } from '../testing/index.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { newEvents } from './test-events.js';

let db: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;
let n = 0;
const stream = (category = 'test') => `${category}-${++n}`;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  store = new PostgresEventStore(pool);
});
after(async () => {
  await pool.end();
  await db.drop();
});

describe('appendToStream', () => {
  test('numbers events from 1 and returns the version and global position', async () => {
    const s = stream();
    const first = await store.appendToStream(s, newEvents(2), 'no_stream');
    assert.equal(first.nextExpectedVersion, 2);
    const second = await store.appendToStream(s, newEvents(3), 2);
    assert.equal(second.nextExpectedVersion, 5);
    assert.ok(second.lastPosition > first.lastPosition);
    const read = await store.readStream(s);
    assert.deepEqual(
      read.map((e) => e.streamVersion),
      [1, 2, 3, 4, 5],
    );
    assert.equal(read.at(-1)!.globalPosition, second.lastPosition);
    assert.deepEqual(read.at(-1)!.checkpoint, second.checkpoint);
  });

  test('a stale expected version is a conflict carrying the actual version, and writes nothing', async () => {
    const s = stream();
    await store.appendToStream(s, newEvents(3), 'no_stream');
    await assert.rejects(store.appendToStream(s, newEvents(1), 1), (e: unknown) => {
      assert.ok(e instanceof WrongExpectedVersionError);
      assert.equal(e.actual, 3);
      assert.equal(e.streamId, s);
      return true;
    });
    await assert.rejects(store.appendToStream(s, newEvents(1), 7), WrongExpectedVersionError);
    assert.equal((await store.readStream(s)).length, 3);
  });

  test('"no_stream", "stream_exists" and "any" expectations', async () => {
    const s = stream();
    await assert.rejects(
      store.appendToStream(s, newEvents(1), 'stream_exists'),
      (e: WrongExpectedVersionError) => {
        assert.equal(e.actual, 0);
        return true;
      },
    );
    await store.appendToStream(s, newEvents(1), 'any');
    await assert.rejects(store.appendToStream(s, newEvents(1), 'no_stream'), WrongExpectedVersionError);
    const r = await store.appendToStream(s, newEvents(1), 'stream_exists');
    assert.equal(r.nextExpectedVersion, 2);
  });

  test('an empty append checks the expectation and writes nothing', async () => {
    const s = stream();
    await store.appendToStream(s, newEvents(2), 'no_stream');
    assert.equal((await store.appendToStream(s, [], 2)).nextExpectedVersion, 2);
    await assert.rejects(store.appendToStream(s, [], 1), WrongExpectedVersionError);
  });

  test('concurrent writers from the same version: exactly one wins, the others conflict', async () => {
    const s = stream();
    await store.appendToStream(s, newEvents(1), 'no_stream');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => store.appendToStream(s, newEvents(2), 1)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      assert.ok(r.reason instanceof WrongExpectedVersionError, String(r.reason));
      assert.equal(r.reason.actual, 3);
    }
    assert.deepEqual(
      (await store.readStream(s)).map((e) => e.streamVersion),
      [1, 2, 3],
    );
  });

  test('concurrent "any" writers all succeed with contiguous versions', async () => {
    const s = stream();
    await Promise.all(Array.from({ length: 10 }, () => store.appendToStream(s, newEvents(3), 'any')));
    assert.deepEqual(
      (await store.readStream(s)).map((e) => e.streamVersion),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  });

  test('a duplicate event id fails the whole batch with DuplicateEventIdError', async () => {
    const s = stream();
    const [dup] = newEvents(1);
    await store.appendToStream(stream(), [dup!], 'no_stream');
    await assert.rejects(store.appendToStream(s, [...newEvents(2), dup!], 'no_stream'), (e: unknown) => {
      assert.ok(e instanceof DuplicateEventIdError);
      assert.deepEqual(e.eventIds, [dup!.eventId]);
      return true;
    });
    assert.equal((await store.readStream(s)).length, 0);
  });
});

describe('appendToStreams', () => {
  test('appends to several streams atomically', async () => {
    const [a, b] = [stream(), stream()];
    const results = await store.appendToStreams([
      { streamId: a, events: newEvents(1), expectedVersion: 'no_stream' },
      { streamId: b, events: newEvents(2), expectedVersion: 'no_stream' },
    ]);
    assert.deepEqual(
      results.map((r) => r.nextExpectedVersion),
      [1, 2],
    );
  });

  test('one refused expectation writes nothing to any stream', async () => {
    const [a, b] = [stream(), stream()];
    await store.appendToStream(b, newEvents(1), 'no_stream');
    await assert.rejects(
      store.appendToStreams([
        { streamId: a, events: newEvents(1), expectedVersion: 'no_stream' },
        { streamId: b, events: newEvents(1), expectedVersion: 'no_stream' },
      ]),
      (e: WrongExpectedVersionError) => e.streamId === b && e.actual === 1,
    );
    assert.equal((await store.readStream(a)).length, 0);
  });
});

describe('readStream', () => {
  test('reads from a version with a maximum', async () => {
    const s = stream();
    await store.appendToStream(s, newEvents(10), 'no_stream');
    const page = await store.readStream(s, { from: 4, max: 3 });
    assert.deepEqual(
      page.map((e) => e.streamVersion),
      [4, 5, 6],
    );
    assert.deepEqual(
      page.map((e) => e.data),
      [{ n: 3 }, { n: 4 }, { n: 5 }],
    );
    assert.deepEqual(await store.readStream(stream()), []);
  });

  test('round-trips the envelope', async () => {
    const s = stream();
    const [e] = newEvents(1, 'Something');
    await store.appendToStream(s, [e!], 'no_stream');
    const [read] = await store.readStream(s);
    assert.equal(read!.eventId, e!.eventId);
    assert.equal(read!.type, 'Something');
    assert.equal(read!.schemaVersion, 1);
    assert.deepEqual(read!.metadata, e!.metadata);
    assert.equal(read!.occurredAt.getTime(), e!.occurredAt.getTime());
    assert.deepEqual(await store.readEventsById([e!.eventId]), [read]);
  });
});
