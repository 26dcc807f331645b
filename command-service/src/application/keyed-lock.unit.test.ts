import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedLock } from './keyed-lock.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

test('work on one key runs one at a time, in arrival order', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  let running = 0;
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      lock.run('stream-a', async () => {
        running += 1;
        assert.equal(running, 1, 'two pieces of work overlapped');
        log.push(`start ${i}`);
        await tick();
        log.push(`end ${i}`);
        running -= 1;
      }),
    ),
  );
  assert.deepEqual(log, Array.from({ length: 10 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
});

test('different keys run side by side', async () => {
  const lock = new KeyedLock();
  let release!: () => void;
  const blocked = lock.run('a', () => new Promise<void>((r) => (release = r)));
  // 'b' finishes although 'a' is still held.
  assert.equal(await lock.run('b', () => Promise.resolve('b done')), 'b done');
  release();
  await blocked;
});

test('a failure releases the key for the next in line, and idle keys are forgotten', async () => {
  const lock = new KeyedLock();
  const failed = lock.run('a', () => Promise.reject(new Error('boom')));
  const next = lock.run('a', () => Promise.resolve(42));
  await assert.rejects(failed, /boom/);
  assert.equal(await next, 42);
  assert.equal(lock.size, 0);
});
