import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import { PostgresRelayPause } from './postgres-relay-pause.js';

/* The relay's gate on real PostgreSQL: a pause waits for the batch in flight and holds the next. */

const database = useTestDatabase();
const tick = (ms = 150) => new Promise((r) => setTimeout(r, ms));

test('a pause is granted after the batch in flight, and holds the next batch until released', async () => {
  const gate = new PostgresRelayPause(database.pool, `test-pause-${process.pid}`);
  const steps: string[] = [];
  let finishBatch!: () => void;
  const inFlight = gate.around(async () => {
    steps.push('batch 1 publishing');
    await new Promise<void>((resolve) => (finishBatch = resolve));
    steps.push('batch 1 committed');
  });
  await tick();
  const pausing = gate.pause().then((held) => {
    steps.push('paused');
    return held;
  });
  await tick();
  assert.deepEqual(steps, ['batch 1 publishing'], 'the pause waits for the batch in flight');

  finishBatch();
  await inFlight;
  const held = await pausing;
  const next = gate.around(() => {
    steps.push('batch 2');
    return Promise.resolve();
  });
  await tick();
  assert.deepEqual(steps, ['batch 1 publishing', 'batch 1 committed', 'paused'], 'batch 2 waits');

  await held.release();
  await next;
  assert.equal(steps.at(-1), 'batch 2', 'released, the relay goes on');
});

test('batches share the gate: several at once do not wait for each other', async () => {
  const gate = new PostgresRelayPause(database.pool, `test-shared-${process.pid}`);
  let inside = 0;
  let most = 0;
  await Promise.all(
    [1, 2, 3].map(() =>
      gate.around(async () => {
        most = Math.max(most, ++inside);
        await tick(100);
        inside--;
      }),
    ),
  );
  assert.equal(most, 3);
});
