import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { useTestDatabase } from '@meetings/db/testing';
import { WrongExpectedVersionError } from '@meetings/events';
import type { NewEvent } from '@meetings/events';
import { createMetrics } from '../../http/metrics.js';
import { metricValue } from '../../testing/metrics-text.js';
import { InstrumentedEventStore } from './instrumented-event-store.js';

const hooks = useTestDatabase();

const events = (count: number): NewEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    eventId: randomUUID(),
    type: 'TestEvent',
    schemaVersion: 1,
    data: { n: i },
    metadata: { correlationId: 'test', causationId: null, actorUserId: null, idempotencyKey: null },
    occurredAt: new Date(),
  }));

describe('InstrumentedEventStore over PostgreSQL', () => {
  test('times appends, counts appended events and version conflicts', async () => {
    const registry = createMetrics('test');
    const store = new InstrumentedEventStore(new PostgresEventStore(hooks.pool), registry);
    const stream = `test-${randomUUID()}`;
    await store.appendToStream(stream, events(2), 'no_stream');
    await store.appendToStreams([
      { streamId: `test-${randomUUID()}`, events: events(3), expectedVersion: 'no_stream' },
    ]);
    await assert.rejects(store.appendToStream(stream, events(1), 'no_stream'), WrongExpectedVersionError);
    assert.equal((await store.readStream(stream)).length, 2, 'reads pass through');

    const text = await registry.metrics();
    assert.equal(metricValue(text, 'event_store_appended_events_total'), 5);
    assert.equal(metricValue(text, 'event_store_append_conflicts_total', { operation: 'appendToStream' }), 1);
    const count = (labels: Record<string, string>) =>
      metricValue(text, 'event_store_append_duration_seconds_count', labels);
    assert.equal(count({ operation: 'appendToStream', outcome: 'ok' }), 1);
    assert.equal(count({ operation: 'appendToStreams', outcome: 'ok' }), 1);
    assert.equal(count({ operation: 'appendToStream', outcome: 'conflict' }), 1);
    // A second decorator on the same registry shares the series instead of failing to register.
    new InstrumentedEventStore(new PostgresEventStore(hooks.pool), registry);
  });
});
