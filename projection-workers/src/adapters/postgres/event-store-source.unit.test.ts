import assert from 'node:assert/strict';
import { test } from 'node:test';
import { START } from '@meetings/events';
import type { Checkpoint, EventEnvelope, ReadAllOptions, ReadAllResult } from '@meetings/events';
import { EventStoreSource } from './event-store-source.js';

/** A log of `size` events at transaction = position = 1..size, read in pages. */
function logOf(size: number, failAt: number[] = []) {
  const reads: number[] = [];
  const store = {
    readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
      const from = options.fromPosition?.globalPosition ?? 0;
      reads.push(from);
      if (failAt.includes(reads.length)) return Promise.reject(new Error('connection reset'));
      const events = Array.from({ length: Math.min(options.max ?? 1000, size - from) }, (_, i) => {
        const checkpoint: Checkpoint = { transactionId: from + i + 1, globalPosition: from + i + 1 };
        return { globalPosition: from + i + 1, checkpoint } as EventEnvelope;
      });
      return Promise.resolve({
        events,
        checkpoint: events.at(-1)?.checkpoint ?? options.fromPosition ?? START,
      });
    },
  };
  return { store, reads };
}

test('the next page is read while the consumer applies a full one; every event comes once, in order', async () => {
  const { store, reads } = logOf(10);
  const source = new EventStoreSource(store, 5);
  const controller = new AbortController();
  const seen: number[] = [];
  for await (const batch of source.batches(START, { batchSize: 4, signal: controller.signal })) {
    // While this batch is "applied", the read after it has already been issued.
    if (batch.events.length === 4) assert.equal(reads.at(-1), batch.checkpoint?.globalPosition);
    seen.push(...batch.events.map((e) => e.globalPosition));
    if (seen.length === 10) controller.abort();
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 10 }, (_, i) => i + 1),
  );
});

test('a failed read ends the batches with its error: the runner starts over from its committed checkpoint', async () => {
  const { store, reads } = logOf(12, [3]);
  const source = new EventStoreSource(store, 5);
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const batch of source.batches(START, { batchSize: 4, signal: new AbortController().signal })) {
      seen.push(...batch.events.map((e) => e.globalPosition));
    }
  }, /connection reset/);
  // The read ahead of the third page failed: two pages came, and no read was tried again.
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(reads, [0, 4, 8]);
});
