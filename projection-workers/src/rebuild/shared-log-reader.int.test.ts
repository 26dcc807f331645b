import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import pg from 'pg';
import { compareCheckpoints, START } from '@meetings/events';
import type { Checkpoint, EventFilter, EventStore, ReadAllOptions } from '@meetings/events';
import {
  chatProjector,
  mediaStreamsProjector,
  operationLogsProjector,
} from '../projectors/postgres/index.js';
import { sleep } from '../runner/sleep.js';
import { runScenario } from '../testing/scenario.js';
import { SharedLogReader } from './shared-log-reader.js';

type LogReader = Pick<EventStore, 'readAll'>;

const FILTERS: EventFilter[] = [
  { eventTypes: operationLogsProjector.eventTypes },
  { eventTypes: mediaStreamsProjector.eventTypes },
  { eventTypes: chatProjector.eventTypes },
];
const PAGE = 400;
let db: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;
let logSize = 0;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  store = new PostgresEventStore(pool);
  await runScenario(store, { seed: 71, users: 20, meetings: 30, events: 3_000 });
  logSize = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events')).rows[0]!.n;
});

after(async () => {
  await pool.end();
  await db.drop();
});

/** The real store, counting the events it hands out. */
function counted(inner: LogReader): LogReader & { events: number } {
  const counter = {
    events: 0,
    async readAll(options?: ReadAllOptions) {
      const page = await inner.readAll(options);
      counter.events += page.events.length;
      return page;
    },
  };
  return counter;
}

/** Pages through the log as a rebuild does, until a short page; `work` stands for applying one. */
async function readToHead(
  reader: LogReader,
  filter: EventFilter,
  work: () => Promise<void> = () => Promise.resolve(),
  from: Checkpoint = START,
): Promise<{ ids: string[]; end: Checkpoint }> {
  const ids: string[] = [];
  let at = from;
  for (;;) {
    const page = await reader.readAll({ fromPosition: at, max: PAGE, filter });
    ids.push(...page.events.map((e) => e.eventId));
    at = page.checkpoint;
    if (page.events.length < PAGE) return { ids, end: at };
    await work();
  }
}

test('readers side by side see exactly what the store would show each, and the log is read once', async () => {
  const direct = await Promise.all(FILTERS.map((f) => readToHead(store, f)));
  const source = counted(store);
  const shared = new SharedLogReader(source, { pageSize: PAGE });
  const readers = FILTERS.map(() => shared.reader());
  // Different speeds: the audit trail applies slowly, chat quickly.
  const viaShare = await Promise.all(
    FILTERS.map((f, i) => readToHead(readers[i]!, f, () => sleep(i === 0 ? 15 : 1))),
  );
  for (const r of readers) r.close();
  assert.deepEqual(viaShare, direct);
  assert.ok(direct[0]!.ids.length > 1_000 && direct[2]!.ids.length > 0, 'the filters select events');
  assert.equal(source.events, logSize, 'each event of the log was read from the store once');
  assert.equal(shared.held, 0, 'nothing is held once every reader is done');
});

test('a reader far ahead waits for the slowest: the window never holds more than its capacity and a page', async () => {
  const shared = new SharedLogReader(store, { pageSize: PAGE, capacity: 2 * PAGE });
  const [slow, fast] = [shared.reader(), shared.reader()];
  let most = 0;
  const watch = setInterval(() => (most = Math.max(most, shared.held)), 1);
  let slowPages = 0;
  let slowPagesWhenFastDone = 0;
  try {
    await Promise.all([
      readToHead(slow, FILTERS[0]!, () => sleep(10).then(() => void slowPages++)),
      readToHead(fast, FILTERS[2]!).then(() => (slowPagesWhenFastDone = slowPages)),
    ]);
  } finally {
    clearInterval(watch);
    slow.close();
    fast.close();
  }
  assert.ok(most > 0 && most <= 3 * PAGE, `held at most ${most} events`);
  // Chat has few events: unchecked, its reader would be done while the audit trail is on its
  // first pages. Held back, it ends within the window's reach of the end.
  assert.ok(slowPages >= 6, `the audit trail read ${slowPages} pages`);
  assert.ok(slowPagesWhenFastDone >= slowPages - 4, `${slowPagesWhenFastDone} of ${slowPages}`);
});

test('a reader that never reads holds the others only for the start grace; a late one reads the store itself', async () => {
  const source = counted(store);
  const shared = new SharedLogReader(source, { pageSize: PAGE, capacity: PAGE, startGraceMs: 200 });
  const idle = shared.reader();
  const early = shared.reader();
  const late = shared.reader();
  const started = Date.now();
  const first = await readToHead(early, FILTERS[1]!);
  assert.ok(Date.now() - started >= 150, 'it waited for the idle reader during the grace');
  assert.deepEqual(first, await readToHead(store, FILTERS[1]!));
  const eventsBefore = source.events;
  // The window has moved on without the late reader: it is served by the store, correctly.
  assert.deepEqual(await readToHead(late, FILTERS[0]!), await readToHead(store, FILTERS[0]!));
  assert.ok(source.events - eventsBefore >= (await readToHead(store, FILTERS[0]!)).ids.length);
  for (const r of [idle, early, late]) r.close();
});

test('a reader resuming from its own checkpoint starts there, before or after the others', async () => {
  const middle = (await store.readAll({ max: Math.floor(logSize / 2) })).checkpoint;
  const shared = new SharedLogReader(store, { pageSize: PAGE });
  const [fromStart, fromMiddle] = [shared.reader(), shared.reader()];
  const [a, b] = await Promise.all([
    readToHead(fromStart, FILTERS[0]!),
    readToHead(fromMiddle, FILTERS[0]!, undefined, middle),
  ]);
  fromStart.close();
  fromMiddle.close();
  assert.deepEqual(a, await readToHead(store, FILTERS[0]!));
  assert.deepEqual(b, await readToHead(store, FILTERS[0]!, undefined, middle));
  assert.ok(compareCheckpoints(a.end, b.end) === 0);
});
