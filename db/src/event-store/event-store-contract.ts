import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  compareCheckpoints,
  DuplicateEventIdError,
  formatCheckpoint,
  parseCheckpoint,
  START,
  WrongExpectedVersionError,
} from '@meetings/events';
import type { Checkpoint, EventEnvelope, EventFilter, EventStore, Subscription } from '@meetings/events';
import { newEvents } from './test-events.js';

export interface ContractSubject {
  store: EventStore;
  /** Whether appendToStreams is atomic over several streams (else it must refuse, writing nothing). */
  multiStreamAppends: boolean;
  teardown(): Promise<void>;
}

/**
 * One suite of behaviours every EventStore adapter must show, written against the port only. The
 * log may be shared with other writers (an EventStoreDB server is not created per test), so every
 * stream of a run is in a category of its own and every log read filters on it.
 */
export function eventStoreContract(
  name: string,
  setup: (() => Promise<ContractSubject>) | { skip: string },
): void {
  if (typeof setup === 'object') {
    // A skipped test rather than a skipped suite: the runner counts it and prints why.
    void test(`EventStore contract: ${name}`, { skip: setup.skip }, () => undefined);
    return;
  }
  void describe(`EventStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    const run = `c${randomBytes(6).toString('hex')}`;
    let n = 0;
    const stream = (category = run) => `${category}-${++n}`;
    const ours: EventFilter = { categories: [run] };

    before(async () => {
      subject = await setup();
      store = subject.store;
    });
    after(() => subject?.teardown());

    /** Reads the filtered log page by page, each read resuming from the stored form of the last checkpoint. */
    async function readLog(filter: EventFilter, count: number, pageSize = 1000, from: Checkpoint = START) {
      const seen: EventEnvelope[] = [];
      let stored = formatCheckpoint(from);
      // PostgreSQL holds back events behind transactions still open elsewhere on the cluster.
      for (let i = 0; i < 500 && seen.length < count; i++) {
        const page = await store.readAll({ fromPosition: parseCheckpoint(stored), max: pageSize, filter });
        assert.ok(compareCheckpoints(page.checkpoint, parseCheckpoint(stored)) >= 0, 'checkpoint went back');
        seen.push(...page.events);
        stored = formatCheckpoint(page.checkpoint);
        if (page.events.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      return { events: seen, checkpoint: parseCheckpoint(stored) };
    }

    void test('numbers events from 1; the result carries the last event’s version and position', async () => {
      const s = stream();
      const first = await store.appendToStream(s, newEvents(2), 'no_stream');
      assert.equal(first.nextExpectedVersion, 2);
      const second = await store.appendToStream(s, newEvents(3), 2);
      assert.equal(second.nextExpectedVersion, 5);
      assert.ok(compareCheckpoints(second.checkpoint, first.checkpoint) > 0);
      const read = await store.readStream(s);
      assert.deepEqual(
        read.map((e) => e.streamVersion),
        [1, 2, 3, 4, 5],
      );
      assert.equal(read.at(-1)!.globalPosition, second.lastPosition);
      assert.deepEqual(read.at(-1)!.checkpoint, second.checkpoint);
    });

    void test('a stale expected version is refused with the actual version, writing nothing', async () => {
      const s = stream();
      await store.appendToStream(s, newEvents(3), 'no_stream');
      for (const stale of [1, 7, 'no_stream'] as const)
        await assert.rejects(store.appendToStream(s, newEvents(1), stale), (e: unknown) => {
          assert.ok(e instanceof WrongExpectedVersionError, String(e));
          assert.deepEqual([e.streamId, e.expected, e.actual], [s, stale, 3]);
          return true;
        });
      assert.equal((await store.readStream(s)).length, 3);
    });

    void test('"no_stream", "stream_exists", "any" and 0 expectations', async () => {
      const s = stream();
      await assert.rejects(store.appendToStream(s, newEvents(1), 'stream_exists'), (e: unknown) => {
        assert.ok(e instanceof WrongExpectedVersionError);
        assert.equal(e.actual, 0);
        return true;
      });
      assert.equal((await store.appendToStream(s, newEvents(1), 'any')).nextExpectedVersion, 1);
      assert.equal((await store.appendToStream(s, newEvents(1), 'stream_exists')).nextExpectedVersion, 2);
      assert.equal((await store.appendToStream(stream(), newEvents(2), 0)).nextExpectedVersion, 2);
    });

    void test('an empty append checks the expectation and writes nothing', async () => {
      const s = stream();
      await store.appendToStream(s, newEvents(2), 'no_stream');
      assert.equal((await store.appendToStream(s, [], 2)).nextExpectedVersion, 2);
      await assert.rejects(store.appendToStream(s, [], 1), WrongExpectedVersionError);
      assert.equal((await store.appendToStream(stream(), [], 'no_stream')).nextExpectedVersion, 0);
    });

    void test('concurrent writers from the same version: exactly one wins', async () => {
      const s = stream();
      await store.appendToStream(s, newEvents(1), 'no_stream');
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => store.appendToStream(s, newEvents(2), 1)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results)
        if (r.status === 'rejected')
          assert.ok(r.reason instanceof WrongExpectedVersionError, String(r.reason));
      assert.equal((await store.readStream(s)).length, 3);
    });

    void test('a retried append of the same event ids never stores them twice', async () => {
      // The command handler derives event ids from the idempotency key and appends at the version
      // it read: a retry either is acknowledged without a write or is refused, then catches up.
      const s = stream();
      const events = newEvents(2);
      await store.appendToStream(s, events, 'no_stream');
      try {
        await store.appendToStream(s, events, 'no_stream');
      } catch (error) {
        const refused = error instanceof WrongExpectedVersionError || error instanceof DuplicateEventIdError;
        assert.ok(refused, String(error));
      }
      assert.deepEqual(
        (await store.readStream(s)).map((e) => e.eventId),
        events.map((e) => e.eventId),
      );
    });

    void test('appendToStreams is atomic over several streams, or refuses without writing', async () => {
      const [a, b] = [stream(), stream()];
      const single = await store.appendToStreams([
        { streamId: a, events: newEvents(2), expectedVersion: 'no_stream' },
      ]);
      assert.equal(single[0]!.nextExpectedVersion, 2);
      const both = store.appendToStreams([
        { streamId: a, events: newEvents(1), expectedVersion: 2 },
        { streamId: b, events: newEvents(1), expectedVersion: 'no_stream' },
      ]);
      if (subject.multiStreamAppends) {
        assert.deepEqual(
          (await both).map((r) => r.nextExpectedVersion),
          [3, 1],
        );
        return;
      }
      await assert.rejects(both, /cannot append to several streams/);
      assert.equal((await store.readStream(a)).length, 2);
      assert.equal((await store.readStream(b)).length, 0);
    });

    void test('readStream reads forwards from a version, up to a maximum', async () => {
      const s = stream();
      await store.appendToStream(s, newEvents(10), 'no_stream');
      const page = await store.readStream(s, { from: 4, max: 3 });
      assert.deepEqual(
        page.map((e) => [e.streamVersion, e.data]),
        [
          [4, { n: 3 }],
          [5, { n: 4 }],
          [6, { n: 5 }],
        ],
      );
      assert.deepEqual(await store.readStream(s, { from: 11 }), []);
      assert.deepEqual(await store.readStream(stream()), []);
    });

    void test('round-trips the envelope, also through readEventsById', async () => {
      const s = stream();
      const [e] = newEvents(1, 'Something');
      const written = {
        ...e!,
        schemaVersion: 3,
        metadata: { ...e!.metadata, causationId: 'cause', idempotencyKey: 'k' },
      };
      const result = await store.appendToStream(s, [written], 'no_stream');
      const [read] = await store.readStream(s);
      assert.deepEqual(
        { ...read!, occurredAt: read!.occurredAt.getTime() },
        {
          ...written,
          occurredAt: written.occurredAt.getTime(),
          streamId: s,
          streamVersion: 1,
          globalPosition: result.lastPosition,
          checkpoint: result.checkpoint,
        },
      );
      assert.deepEqual(await store.readEventsById([written.eventId]), [read]);
    });

    void test('the global log: commit order across streams, filtered, resumable from a stored checkpoint', async () => {
      // A category of its own: the other tests' streams are in `run`.
      const category = `${run}log`;
      const ours: EventFilter = { categories: [category] };
      const [a, b] = [stream(category), stream(category)];
      const appended: string[] = [];
      for (const [s, type] of [
        [a, 'A'],
        [b, 'B'],
        [a, 'B'],
        [b, 'A'],
        [a, 'A'],
      ] as const) {
        const [e] = newEvents(1, type);
        await store.appendToStream(s, [e!], 'any');
        appended.push(e!.eventId);
      }
      const all = await readLog(ours, 5, 2);
      assert.deepEqual(
        all.events.map((e) => e.eventId),
        appended,
      );
      for (let i = 1; i < all.events.length; i++)
        assert.ok(compareCheckpoints(all.events[i]!.checkpoint, all.events[i - 1]!.checkpoint) > 0);
      const typed = await readLog({ ...ours, eventTypes: ['A'] }, 3);
      assert.deepEqual(
        typed.events.map((e) => e.type),
        ['A', 'A', 'A'],
      );
      const notOurs = await store.readAll({
        fromPosition: all.checkpoint,
        filter: { excludeCategories: [category] },
      });
      assert.ok(notOurs.events.every((e) => !e.streamId.startsWith(`${category}-`)));
      const later = await store.readAll({ fromPosition: all.checkpoint, filter: ours });
      assert.deepEqual(later.events, []);
    });

    void test('subscribeToAll catches up, then goes live, with a filter and from a checkpoint', async () => {
      const s = stream();
      await store.appendToStream(s, newEvents(2, 'Kept'), 'no_stream');
      await store.appendToStream(s, newEvents(1, 'Dropped'), 'any');
      const sub = store.subscribeToAll({ filter: { ...ours, eventTypes: ['Kept'] }, batchSize: 1 });
      const seen = collect(sub, 4);
      await new Promise((r) => setTimeout(r, 100));
      await store.appendToStream(s, newEvents(1, 'Dropped'), 'any');
      await store.appendToStream(s, newEvents(2, 'Kept'), 'any');
      const events = await seen;
      assert.deepEqual(
        events.map((e) => [e.streamId, e.streamVersion, e.type]),
        [
          [s, 1, 'Kept'],
          [s, 2, 'Kept'],
          [s, 5, 'Kept'],
          [s, 6, 'Kept'],
        ],
      );
      const resumed = await collect(
        store.subscribeToAll({
          fromCheckpoint: parseCheckpoint(formatCheckpoint(events[1]!.checkpoint)),
          filter: ours,
        }),
        3,
      );
      assert.deepEqual(
        resumed.map((e) => e.streamVersion),
        [3, 4, 5],
      );
    });
  });
}

async function collect(sub: Subscription, count: number, timeoutMs = 30_000): Promise<EventEnvelope[]> {
  const seen: EventEnvelope[] = [];
  const timer = setTimeout(() => void sub.close(), timeoutMs);
  try {
    for await (const e of sub) {
      seen.push(e);
      if (seen.length === count) break;
    }
  } finally {
    clearTimeout(timer);
    await sub.close();
  }
  return seen;
}
