import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, sweepStaleTestDatabases } from './test-database.js';

const adminUrl = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function exists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
  } finally {
    await client.end();
  }
}

test('a killed run’s test databases are swept once they are hours old; live ones stay', async () => {
  const fresh = await createTestDatabase({ migrate: false });
  try {
    // Only this test's database is looked at: other test files run beside this one.
    const among = [fresh.name];
    assert.deepEqual(await sweepStaleTestDatabases({ now: Date.now() + 3600_000, among }), []);
    assert.ok(await exists(fresh.name));
    // Seen from seven hours later, it is a leftover of a run that died.
    assert.deepEqual(await sweepStaleTestDatabases({ now: Date.now() + 7 * 3600_000, among }), among);
    assert.equal(await exists(fresh.name), false);
  } finally {
    await fresh.drop();
  }
});
