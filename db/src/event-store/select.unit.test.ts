import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { EsdbEventStore } from './eventstoredb/esdb-event-store.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { createEventStore } from './select.js';

test('EVENT_STORE selects the adapter; EventStoreDB needs its URL', async () => {
  // Neither constructor connects: the pool and the gRPC channel open on first use.
  const pool = new pg.Pool({ connectionString: 'postgres://127.0.0.1:1/none' });
  assert.ok(createEventStore({ EVENT_STORE: 'postgres' }, pool) instanceof PostgresEventStore);
  const esdb = createEventStore(
    { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://127.0.0.1:1?tls=false' },
    pool,
  );
  assert.ok(esdb instanceof EsdbEventStore);
  await esdb.close?.();
  assert.throws(() => createEventStore({ EVENT_STORE: 'eventstoredb' }, pool), /needs EVENTSTORE_URL/);
  await pool.end();
});
