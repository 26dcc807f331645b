import type pg from 'pg';
import { RebuildRefused } from './rebuild-progress.js';

/**
 * Runs `work` holding the projection's rebuild lock (a PostgreSQL session advisory lock, whatever
 * store the read model lives in): one rebuild of a projection at a time, and a rebuild whose
 * process died releases it with its connection.
 */
export async function withRebuildLock<T>(
  pool: pg.Pool,
  projection: string,
  work: () => Promise<T>,
): Promise<T> {
  const key = `projection-rebuild:${projection}`;
  const lock = await pool.connect();
  try {
    const { rows } = await lock.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [key],
    );
    if (!rows[0]!.locked) throw new RebuildRefused(`a rebuild of ${projection} is already running`);
    try {
      return await work();
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    }
  } finally {
    lock.release();
  }
}
