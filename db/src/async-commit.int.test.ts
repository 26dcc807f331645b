import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { ASYNC_COMMIT } from './async-commit.js';

const url = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

test('a pool with ASYNC_COMMIT commits without waiting for the WAL flush; a plain pool waits', async () => {
  const [asyncPool, plainPool] = [
    new pg.Pool({ connectionString: url, max: 1, ...ASYNC_COMMIT }),
    new pg.Pool({ connectionString: url, max: 1 }),
  ];
  try {
    const setting = async (pool: pg.Pool) =>
      (await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!
        .synchronous_commit;
    assert.equal(await setting(asyncPool), 'off');
    assert.equal(await setting(plainPool), 'on');
  } finally {
    await Promise.all([asyncPool.end(), plainPool.end()]);
  }
});
