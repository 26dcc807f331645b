import assert from 'node:assert/strict';
import { test } from 'node:test';
import { START } from '@meetings/events';
import pg from 'pg';
import { createTestDatabase } from '../testing/index.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { readAllQuery, SNAPSHOT_XMIN_SQL } from './read-all-sql.js';
import { newEvents } from './test-events.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

test('a page of a long log is read along the log-order index, not by sorting everything after the checkpoint', async () => {
  const db = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  try {
    const store = new PostgresEventStore(pool);
    // Three types, as a projector's filter names several: most of the log matches.
    for (let i = 0; i < 40; i++)
      await store.appendToStreams(
        ['A', 'B', 'C'].map((type, j) => ({
          streamId: `plan-${i}-${j}`,
          events: newEvents(100, type),
          expectedVersion: 'no_stream' as const,
        })),
      );
    await pool.query('ANALYZE es_events');
    const xmin = (await pool.query<{ xmin: string }>(SNAPSHOT_XMIN_SQL)).rows[0]!.xmin;
    const query = readAllQuery(START, 4_000, { eventTypes: ['A', 'B', 'D'] }, xmin);
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>({
      text: `EXPLAIN (FORMAT JSON) ${query.text}`,
      values: query.values,
    });
    const plan = nodes(rows[0]!['QUERY PLAN'][0].Plan);
    const page = plan.find(
      (n) => n['Index Name'] === 'es_events_log_order_idx' && n['Node Type'] === 'Index Scan',
    );
    assert.ok(page, `the page walks the log order: ${JSON.stringify(plan.map((n) => n['Node Type']))}`);
    assert.ok(!plan.some((n) => n['Node Type'] === 'Sort'), 'no sort of the matching events');
    // And it still reads the right events.
    const read = await store.readAll({ max: 1_000, filter: { eventTypes: ['A', 'B', 'D'] } });
    assert.equal(read.events.length, 1_000);
    assert.ok(read.events.every((e) => e.type === 'A' || e.type === 'B'));
  } finally {
    await pool.end();
    await db.drop();
  }
});
