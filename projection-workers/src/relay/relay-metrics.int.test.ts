import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createMetrics } from '@meetings/command-service/http';
import { metricValue } from '@meetings/command-service/testing';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import type { NewEvent } from '@meetings/events';
import pg from 'pg';
import { PostgresTarget } from '../adapters/postgres/postgres-target.js';
import { relayMetrics } from './relay-metrics.js';

let db: TestDatabase;
let pool: pg.Pool;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
});
after(async () => {
  await pool?.end();
  await db?.drop();
});

const event = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'TestEvent',
  schemaVersion: 1,
  data: {},
  metadata: { correlationId: 'c', causationId: null, actorUserId: null, idempotencyKey: null },
  occurredAt: new Date(),
});

test('relay lag: the events after its committed checkpoint, private streams left out; 0 once committed', async () => {
  const registry = createMetrics('kafka-relay');
  relayMetrics(registry, pool);
  const store = new PostgresEventStore(pool);
  await store.appendToStream(`test-${randomUUID()}`, [event(), event()], 'no_stream');
  // Never published (privateCategories): not lag.
  await store.appendToStream(`credentials-${randomUUID()}`, [event()], 'no_stream');
  const last = await store.appendToStream(`test-${randomUUID()}`, [event()], 'no_stream');

  let text = await registry.metrics();
  assert.equal(metricValue(text, 'relay_lag_events'), 3);
  assert.ok(metricValue(text, 'relay_lag_seconds') > 0);

  const run = await new PostgresTarget(pool).open('kafka-relay');
  await run.commit(null, last.checkpoint);
  text = await registry.metrics();
  assert.equal(metricValue(text, 'relay_lag_events'), 0);
  assert.equal(metricValue(text, 'relay_lag_seconds'), 0);
});
