import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogPoint, ProjectionCheckpoints, ProjectionName } from './projections.js';
import { ReadYourWrites } from './read-your-writes.js';

/** The log as the poller sees it: events at positions 1..100 (transaction id = position). */
function log(applied: { upTo: number }) {
  const calls = { eventsAt: [] as number[][], load: 0 };
  const point = (n: number): LogPoint => ({ transactionId: BigInt(n), globalPosition: BigInt(n) });
  const checkpoints = {
    eventsAt: (positions: readonly number[]) => {
      calls.eventsAt.push([...positions]);
      return Promise.resolve(new Map(positions.filter((p) => p <= 100).map((p) => [p, point(p)])));
    },
    load: (names: readonly ProjectionName[]) => {
      calls.load += 1;
      return Promise.resolve(new Map(names.map((n) => [n, point(applied.upTo)])));
    },
    // The store path: no relay, so Kafka never vouches for a projection.
    appliedThroughKafka: () => Promise.resolve(new Set<string>()),
  } as unknown as ProjectionCheckpoints;
  return { checkpoints, calls };
}

test('a burst of waiting reads costs one lookup of their positions, not one per read', async () => {
  const applied = { upTo: 10 };
  const { checkpoints, calls } = log(applied);
  const ryw = new ReadYourWrites(checkpoints, { timeoutMs: 2000, pollIntervalMs: 5 });
  const waits = Array.from({ length: 50 }, (_, i) => ryw.waitFor(i + 1, ['meetings']));
  setTimeout(() => (applied.upTo = 50), 30);
  await Promise.all(waits);
  assert.equal(calls.eventsAt.length, 1);
  assert.deepEqual(
    calls.eventsAt[0],
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.ok(calls.load >= 2, 'it polled until the projection caught up');
});

test('a position no event has is refused while the others wait on', async () => {
  const { checkpoints } = log({ upTo: 100 });
  const ryw = new ReadYourWrites(checkpoints, { timeoutMs: 2000, pollIntervalMs: 5 });
  const [missing, present] = await Promise.allSettled([
    ryw.waitFor(1000, ['meetings']),
    ryw.waitFor(7, ['meetings']),
  ]);
  assert.equal(missing.status, 'rejected');
  const reason = missing.reason as { status: number };
  assert.equal(reason.status, 400);
  assert.match(JSON.stringify(reason), /no event at position 1000/);
  assert.equal(present.status, 'fulfilled');
});

test('a projection behind on the log is asked about through Kafka, one lookup for all such waiters', async () => {
  const point = (n: number): LogPoint => ({ transactionId: BigInt(n), globalPosition: BigInt(n) });
  const asked: { targets: bigint[]; names: string[] }[] = [];
  const kafkaUpTo = { n: 0 };
  const checkpoints = {
    eventsAt: (positions: readonly number[]) => Promise.resolve(new Map(positions.map((p) => [p, point(p)]))),
    // `meetings` reads Kafka (no log checkpoint); `users` reads the log and is at 100.
    load: () => Promise.resolve(new Map<ProjectionName, LogPoint>([['users', point(100)]])),
    appliedThroughKafka: (targets: readonly LogPoint[], names: readonly ProjectionName[]) => {
      asked.push({ targets: targets.map((t) => t.globalPosition), names: [...names] });
      return Promise.resolve(
        new Set(
          targets
            .filter((t) => t.globalPosition <= BigInt(kafkaUpTo.n))
            .map((t) => `${t.transactionId}:${t.globalPosition} meetings`),
        ),
      );
    },
  } as unknown as ProjectionCheckpoints;
  const ryw = new ReadYourWrites(checkpoints, { timeoutMs: 2000, pollIntervalMs: 5 });
  const usersOnly = ryw.waitFor(5, ['users']);
  const both = [ryw.waitFor(5, ['users', 'meetings']), ryw.waitFor(9, ['meetings'])];
  await usersOnly;
  setTimeout(() => (kafkaUpTo.n = 9), 30);
  await Promise.all(both);
  assert.ok(asked.length >= 2, 'polled until Kafka vouched');
  assert.deepEqual(asked[0], { targets: [5n, 9n], names: ['meetings'] }, 'only what the log did not settle');
  const timedOut = new ReadYourWrites(checkpoints, { timeoutMs: 50, pollIntervalMs: 5 });
  await assert.rejects(timedOut.waitFor(10, ['meetings']), { status: 503 });
});
