import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { pino } from 'pino';
import { SessionSweeper } from './session-sweeper.js';

type Line = { level: number; msg: string; [key: string]: unknown };

function logger() {
  const lines: Line[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { log, lines };
}

const WARN = 40;
const INFO = 30;
const DEBUG = 20;

/** A session store whose answers the test releases by hand. */
class FakeStore {
  readonly calls: string[][] = [];
  private pending: { resolve: (alive: Set<string>) => void; reject: (e: Error) => void }[] = [];
  /** When set, answers at once with these sessions alive instead of waiting. */
  auto: Set<string> | null = null;

  alive(ids: readonly string[]): Promise<Set<string>> {
    this.calls.push([...ids]);
    if (this.auto) return Promise.resolve(new Set(ids.filter((id) => this.auto!.has(id))));
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  answer(alive: string[]): void {
    this.pending.shift()!.resolve(new Set(alive));
  }

  fail(): void {
    this.pending.shift()!.reject(new Error('Connection is closed.'));
  }

  get waiting(): number {
    return this.pending.length;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

const sweepers: SessionSweeper[] = [];
afterEach(() => sweepers.splice(0).forEach((s) => s.stop()));

function setUp(options: { intervalMs?: number; timeoutMs?: number } = {}) {
  const store = new FakeStore();
  const { log, lines } = logger();
  const sweeper = new SessionSweeper(store, log, { intervalMs: 60_000, ...options });
  sweepers.push(sweeper);
  const ended: string[] = [];
  const holder = (name: string, sessionId: string) => {
    const h = { name };
    sweeper.track(h, sessionId, () => ended.push(name));
    return h;
  };
  return { store, sweeper, lines, ended, holder };
}

describe('SessionSweeper', () => {
  test('ends the holders whose session is gone, asking once for every distinct session', async () => {
    const { store, sweeper, ended, holder, lines } = setUp();
    holder('a1', 'A');
    holder('a2', 'A');
    holder('b', 'B');
    holder('c', 'C');
    const done = sweeper.sweep();
    assert.equal(store.calls.length, 1);
    assert.deepEqual(store.calls[0]!.sort(), ['A', 'B', 'C']);
    store.answer(['B']);
    await done;
    assert.deepEqual(ended.sort(), ['a1', 'a2', 'c']);
    assert.equal(sweeper.size, 1, 'the ended ones are no longer tracked');
    const summary = lines.find((l) => l.msg === 'closed WebSockets of ended sessions');
    assert.equal(summary?.level, INFO);
    assert.equal(summary?.ended, 3);

    store.auto = new Set(['B']);
    await sweeper.sweep();
    assert.deepEqual(store.calls[1], ['B']);
    assert.equal(ended.length, 3, 'each holder is ended once');
  });

  test('nothing tracked: the store is not asked', async () => {
    const { store, sweeper, holder } = setUp();
    await sweeper.sweep();
    const h = holder('a', 'A');
    sweeper.untrack(h);
    await sweeper.sweep();
    assert.equal(store.calls.length, 0);
  });

  test('a failed sweep ends nothing and warns once per outage; the next one ends what it must', async () => {
    const { store, sweeper, ended, holder, lines } = setUp();
    holder('a', 'A');
    holder('b', 'B');
    for (let i = 0; i < 3; i++) {
      const done = sweeper.sweep();
      store.fail();
      await done;
    }
    assert.deepEqual(ended, []);
    assert.equal(sweeper.size, 2);
    const failures = lines.filter((l) => l.msg === 'could not check WebSocket sessions');
    assert.deepEqual(
      failures.map((l) => l.level),
      [WARN, DEBUG, DEBUG],
    );
    const done = sweeper.sweep();
    store.answer(['A']);
    await done;
    assert.deepEqual(ended, ['b']);
    const recovered = lines.find((l) => l.msg === 'WebSocket sessions can be checked again');
    assert.equal(recovered?.level, INFO);
    assert.equal(recovered?.failures, 3);
    // A later outage warns again.
    const again = sweeper.sweep();
    store.fail();
    await again;
    assert.equal(lines.filter((l) => l.level === WARN).length, 2);
  });

  test('a sweep asked for while one runs follows it; any number of asks make one more', async () => {
    const { store, sweeper, ended, holder } = setUp();
    holder('a', 'A');
    const first = sweeper.sweep();
    const second = sweeper.sweep();
    const third = sweeper.sweep();
    assert.equal(second, third);
    assert.equal(store.calls.length, 1, 'never two at once');
    // The first read the store before the session ended; the one asked for later sees it.
    store.answer(['A']);
    await first;
    await tick();
    assert.equal(store.calls.length, 2);
    store.answer([]);
    await second;
    assert.deepEqual(ended, ['a']);
  });

  test('a holder untracked, or tracked again with another session, during a sweep is left alone', async () => {
    const { store, sweeper, ended, holder } = setUp();
    const a = holder('a', 'A');
    const b = holder('b', 'B');
    holder('c', 'C');
    const done = sweeper.sweep();
    sweeper.untrack(a);
    sweeper.track(b, 'B2', () => ended.push('b2'));
    store.answer([]);
    await done;
    assert.deepEqual(ended, ['c']);
    assert.equal(sweeper.size, 1);
  });

  test('a failing callback does not keep the others from ending', async () => {
    const { store, sweeper, ended, holder, lines } = setUp();
    sweeper.track({}, 'X', () => {
      throw new Error('boom');
    });
    holder('a', 'A');
    const done = sweeper.sweep();
    store.answer([]);
    await done;
    assert.deepEqual(ended, ['a']);
    assert.ok(lines.some((l) => l.msg === 'ending a connection of an ended session failed'));
  });

  test('a store that does not answer in time fails the sweep; its late answer ends nothing', async () => {
    const { store, sweeper, ended, holder, lines } = setUp({ timeoutMs: 30 });
    holder('a', 'A');
    await sweeper.sweep();
    assert.equal(lines.filter((l) => l.level === WARN).length, 1);
    assert.match(String((lines[0]!.err as { message: string }).message), /did not answer within 30 ms/);
    store.answer([]);
    await tick();
    assert.deepEqual(ended, []);
    store.auto = new Set();
    await sweeper.sweep();
    assert.deepEqual(ended, ['a']);
  });

  test('sweeps every intervalMs, skipping a tick while one runs', async () => {
    const { store, ended, holder } = setUp({ intervalMs: 20 });
    holder('a', 'A');
    await new Promise((resolve) => setTimeout(resolve, 110));
    assert.equal(store.calls.length, 1, 'ticks while the first sweep waits are skipped');
    store.auto = new Set();
    store.answer(['A']);
    const deadline = Date.now() + 1000;
    while (ended.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(ended, ['a']);
    assert.ok(store.calls.length >= 2);
  });

  test('once stopped it neither sweeps nor tracks', async () => {
    const { store, sweeper, holder } = setUp({ intervalMs: 10 });
    sweeper.stop();
    holder('a', 'A');
    assert.equal(sweeper.size, 0);
    await sweeper.sweep();
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(store.calls.length, 0);
    assert.equal(store.waiting, 0);
  });
});
