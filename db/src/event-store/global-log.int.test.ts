import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { START, compareCheckpoints } from '@meetings/events';
import type { Checkpoint, EventEnvelope, Subscription } from '@meetings/events';
import pg from 'pg';
import { createTestDatabase } from '../testing/index.js';
import type { TestDatabase } from '../testing/index.js';
import { APPEND_SQL, appendParameters } from './append-sql.js';
import { MULTI_STREAM_BEGIN, PostgresEventStore } from './postgres-event-store.js';
import { newEvents } from './test-events.js';

// Each describe gets its own database: these tests read the whole global log.
async function withStore(run: (store: PostgresEventStore, pool: pg.Pool) => Promise<void>) {
  const db: TestDatabase = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 12 });
  // Dropping the database terminates connections the pool is still closing: expected at teardown.
  pool.on('error', () => undefined);
  try {
    await run(new PostgresEventStore(pool, { pollIntervalMs: 10 }), pool);
  } finally {
    await pool.end();
    await db.drop();
  }
}

/**
 * Waits until every stored event is readable from the global log. Any open transaction on the
 * cluster (other test files run beside this one) holds xmin back for a moment.
 */
async function settled(store: PostgresEventStore, pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ count: string }>('SELECT count(*) FROM es_events');
  for (let i = 0; i < 500; i++) {
    if ((await store.readAll({ max: 100_000 })).events.length === Number(rows[0]!.count)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the global log did not settle within 10 s');
}

async function collect(sub: Subscription, count: number, timeoutMs = 60_000): Promise<EventEnvelope[]> {
  const seen: EventEnvelope[] = [];
  const timer = setTimeout(() => void sub.close(), timeoutMs);
  for await (const e of sub) {
    seen.push(e);
    if (seen.length === count) break;
  }
  clearTimeout(timer);
  await sub.close();
  return seen;
}

describe('readAll', () => {
  test('hides events committed after a still-open earlier transaction, which a position reader would skip', () =>
    withStore(async (store, pool) => {
      const early = await pool.connect();
      try {
        await early.query('BEGIN');
        // The early transaction takes its position first but commits last.
        await early.query(APPEND_SQL, appendParameters('test-early', 'no_stream', newEvents(1)));
        await store.appendToStream('test-late', newEvents(1), 'no_stream');

        const naive = await pool.query(
          'SELECT stream_id FROM es_events WHERE global_position > 0 ORDER BY 1',
        );
        assert.deepEqual(
          naive.rows.map((r: { stream_id: string }) => r.stream_id),
          ['test-late'],
          'a reader checkpointing this position would never see test-early',
        );
        const before = await store.readAll();
        assert.deepEqual(before.events, []);
        assert.deepEqual(before.checkpoint, START);

        await early.query('COMMIT');
        // Any transaction on the cluster holds xmin back (other test files run beside this one):
        // both events must appear, in this order, once it has moved on.
        let afterCommit = await store.readAll({ fromPosition: before.checkpoint });
        for (let i = 0; i < 500 && afterCommit.events.length < 2; i++) {
          await new Promise((r) => setTimeout(r, 20));
          afterCommit = await store.readAll({ fromPosition: before.checkpoint });
        }
        assert.deepEqual(
          afterCommit.events.map((e) => e.streamId),
          ['test-early', 'test-late'],
        );
      } finally {
        early.release();
      }
    }));

  test('a multi-stream append never builds on a transaction newer than itself', () =>
    withStore(async (store, pool) => {
      const multi = await pool.connect();
      try {
        await multi.query(MULTI_STREAM_BEGIN);
        // Its first statement gives the transaction its id...
        await multi.query(APPEND_SQL, appendParameters('test-x', 'any', newEvents(1)));
        // ...then a newer transaction commits the first event of another stream.
        await store.appendToStream('test-s', newEvents(1), 'any');
        // Building version 2 on it would put v2 (older transaction id) before v1 in the log:
        // the statement must lose the race instead, so the adapter retries the whole append.
        await assert.rejects(multi.query(APPEND_SQL, appendParameters('test-s', 'any', newEvents(1))), {
          code: '23505',
        });
      } finally {
        await multi.query('ROLLBACK');
        multi.release();
      }
      await store.appendToStreams([
        { streamId: 'test-x', events: newEvents(1), expectedVersion: 'any' },
        { streamId: 'test-s', events: newEvents(1), expectedVersion: 'any' },
      ]);
      await settled(store, pool);
      const log = (await store.readAll()).events.filter((e) => e.streamId === 'test-s');
      assert.deepEqual(
        log.map((e) => e.streamVersion),
        [1, 2],
      );
    }));

  test('pages through the log in order and filters by category and type', () =>
    withStore(async (store, pool) => {
      await store.appendToStream('alpha-1', newEvents(3, 'A'), 'no_stream');
      await store.appendToStream('beta-1', newEvents(2, 'B'), 'no_stream');
      await store.appendToStream('alpha-2', newEvents(2, 'B'), 'no_stream');
      await settled(store, pool);
      const page1 = await store.readAll({ max: 4 });
      const page2 = await store.readAll({ fromPosition: page1.checkpoint, max: 4 });
      const all = [...page1.events, ...page2.events];
      assert.equal(all.length, 7);
      for (let i = 1; i < all.length; i++)
        assert.ok(compareCheckpoints(all[i - 1]!.checkpoint, all[i]!.checkpoint) < 0);

      const alpha = await store.readAll({ filter: { categories: ['alpha'] } });
      assert.deepEqual(
        alpha.events.map((e) => e.streamId),
        ['alpha-1', 'alpha-1', 'alpha-1', 'alpha-2', 'alpha-2'],
      );
      const bOnly = await store.readAll({ filter: { eventTypes: ['B'], excludeCategories: ['beta'] } });
      assert.deepEqual(
        bOnly.events.map((e) => e.streamId),
        ['alpha-2', 'alpha-2'],
      );

      // A filtered reader's checkpoint moves past the events its filter skipped.
      await store.appendToStream('beta-2', newEvents(3, 'B'), 'no_stream');
      await settled(store, pool);
      const none = await store.readAll({ fromPosition: alpha.checkpoint, filter: { categories: ['alpha'] } });
      assert.deepEqual(none.events, []);
      const head = (await store.readAll({ max: 100 })).checkpoint;
      assert.deepEqual(none.checkpoint, head);
    }));

  test('orders transaction ids as numbers where their digits grow (9 before 10, 99 before 100)', () =>
    withStore(async (store, pool) => {
      // Long-finished transaction ids, written directly: the store cannot choose its ids.
      const insert = `INSERT INTO es_events (transaction_id, event_id, stream_id, stream_version, type,
          schema_version, data, metadata, occurred_at)
        VALUES ($1::xid8, gen_random_uuid(), $2, 1, $3, 1, '{}', '{}', now())`;
      for (const [tx, type] of [
        [99, 'A'],
        [100, 'B'],
        [9, 'B'],
        [10, 'A'],
      ] as const)
        await pool.query(insert, [tx, `test-tx${tx}`, type]);
      await settled(store, pool);
      const numeric = ['test-tx9', 'test-tx10', 'test-tx99', 'test-tx100'];

      assert.deepEqual(
        (await store.readAll()).events.map((e) => e.streamId),
        numeric,
      );
      // One event a page: each page starts after the last one, so any misordering skips events.
      const paged: string[] = [];
      for (let from = START; ;) {
        const page = await store.readAll({ fromPosition: from, max: 1 });
        if (page.events.length === 0) break;
        paged.push(...page.events.map((e) => e.streamId));
        from = page.checkpoint;
      }
      assert.deepEqual(paged, numeric);
      // A filtered reader that matches nothing moves to the true head, (100, 2), not to (99, 1).
      const none = await store.readAll({ filter: { eventTypes: ['C'] } });
      assert.deepEqual(none.checkpoint, { transactionId: 100, globalPosition: 2 });
    }));
});

describe('subscribeToAll', () => {
  test('catches up, follows live appends, and resumes from a checkpoint without repeats', () =>
    withStore(async (store) => {
      await store.appendToStream('test-a', newEvents(5), 'no_stream');
      const sub = store.subscribeToAll({ batchSize: 2 });
      const live = collect(sub, 8);
      await store.appendToStream('test-b', newEvents(3), 'no_stream');
      const first = await live;
      assert.deepEqual(
        first.map((e) => `${e.streamId}@${e.streamVersion}`),
        ['test-a@1', 'test-a@2', 'test-a@3', 'test-a@4', 'test-a@5', 'test-b@1', 'test-b@2', 'test-b@3'],
      );
      await store.appendToStream('test-c', newEvents(2), 'no_stream');
      const resumed = await collect(store.subscribeToAll({ fromCheckpoint: first.at(-1)!.checkpoint }), 2);
      assert.deepEqual(
        resumed.map((e) => e.streamId),
        ['test-c', 'test-c'],
      );
    }));

  test('closing a subscription ends its iteration', () =>
    withStore(async (store) => {
      const sub = store.subscribeToAll();
      const done = (async () => {
        let count = 0;
        for await (const _ of sub) count++;
        return count;
      })();
      await new Promise((r) => setTimeout(r, 50));
      await sub.close();
      assert.equal(await done, 0);
    }));

  test('8 concurrent writers, 20,000 events: a live subscriber gets each exactly once, streams in order', () =>
    withStore(async (store, pool) => {
      const total = 20_000;
      const writers = 8;
      const streamCount = 1000;
      const sub = store.subscribeToAll({ batchSize: 500 });
      const received = collect(sub, total, 120_000);

      let remaining = total;
      async function writer() {
        while (remaining > 0) {
          const size = Math.min(remaining, randomInt(1, 6));
          remaining -= size;
          // Multi-statement transactions hold their transaction open longer: more out-of-order commits.
          if (randomInt(0, 4) === 0 && size >= 2) {
            await store.appendToStreams([
              { streamId: `load-${randomInt(0, streamCount)}`, events: newEvents(1), expectedVersion: 'any' },
              {
                streamId: `load-${randomInt(0, streamCount)}`,
                events: newEvents(size - 1),
                expectedVersion: 'any',
              },
            ]);
          } else {
            await store.appendToStream(`load-${randomInt(0, streamCount)}`, newEvents(size), 'any');
          }
        }
      }
      await Promise.all(Array.from({ length: writers }, writer));
      const events = await received;

      assert.equal(events.length, total, 'every event delivered');
      const seen = new Set<string>();
      const repeated = events.filter((e) => seen.size === seen.add(e.eventId).size);
      assert.deepEqual(
        repeated.map((e) => `${e.streamId}@${e.streamVersion} ${JSON.stringify(e.checkpoint)}`),
        [],
        'no event delivered twice',
      );
      const stored = await pool.query<{ count: string }>('SELECT count(*) FROM es_events');
      assert.equal(Number(stored.rows[0]!.count), total);
      const lastVersion = new Map<string, number>();
      let previous: Checkpoint = START;
      for (const e of events) {
        assert.equal(
          e.streamVersion,
          (lastVersion.get(e.streamId) ?? 0) + 1,
          `${e.streamId} in version order`,
        );
        lastVersion.set(e.streamId, e.streamVersion);
        assert.ok(compareCheckpoints(previous, e.checkpoint) < 0, 'checkpoints strictly increase');
        previous = e.checkpoint;
      }
    }));
});
