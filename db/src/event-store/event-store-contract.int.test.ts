import pg from 'pg';
import { createTestDatabase } from '../testing/index.js';
import { EsdbEventStore } from './eventstoredb/esdb-event-store.js';
import { eventStoreContract } from './event-store-contract.js';
import { PostgresEventStore } from './postgres-event-store.js';

// The same behaviours against every adapter: PostgreSQL always (a private test database),
// EventStoreDB only when EVENTSTORE_URL names a server, since none can be installed on this machine.
eventStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined); // connections the drop at teardown terminates
  return {
    store: new PostgresEventStore(pool, { pollIntervalMs: 10 }),
    multiStreamAppends: true,
    teardown: async () => {
      await pool.end();
      await db.drop();
    },
  };
});

const url = process.env.EVENTSTORE_URL;
eventStoreContract(
  'EventStoreDB',
  url
    ? () => {
        const store = EsdbEventStore.connect(url);
        return Promise.resolve({ store, multiStreamAppends: false, teardown: () => store.close() });
      }
    : {
        skip:
          'EVENTSTORE_URL is not set: no EventStoreDB server can be installed on this machine ' +
          '(set EVENTSTORE_URL=esdb://host:2113?tls=false to run this half against a real server)',
      },
);
