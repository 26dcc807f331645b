import { after, before } from 'node:test';
import pg from 'pg';
import { createTestDatabase } from './test-database.js';
import type { TestDatabase } from './test-database.js';

export interface TestDatabaseHooks {
  /** The fresh migrated database of this test file (once `before` ran). */
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
}

/**
 * Registers the node:test hooks a test file on one fresh migrated database needs: created with a
 * pool before the tests, dropped after them.
 */
export function useTestDatabase(poolSize = 4): TestDatabaseHooks {
  let db: TestDatabase | undefined;
  let pool: pg.Pool | undefined;
  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: poolSize });
  });
  after(async () => {
    pool?.on('error', () => undefined); // connections the drop terminates
    await pool?.end();
    await db?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test database is only there once `before` ran');
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get pool() {
      return ready(pool);
    },
  };
}
