import { Redis } from 'ioredis';
import type pg from 'pg';

/** Waits until every projection's checkpoint (PostgreSQL and Redis) stands at the head of the log. */
export async function waitUntilCaughtUp(
  pool: pg.Pool,
  redisUrl: string,
  redisPrefix: string,
  projections: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  const redis = new Redis(redisUrl, { keyPrefix: redisPrefix });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await pool.query<{ head: string }>(
        `SELECT transaction_id::text || ':' || global_position AS head FROM es_events
         ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
      );
      const head = rows[0]?.head;
      const saved = await pool.query<{ projection: string; at: string }>(
        `SELECT projection, transaction_id || ':' || global_position AS at FROM projection_checkpoints`,
      );
      const at = new Map(saved.rows.map((r) => [r.projection, r.at]));
      for (const name of projections) {
        const inRedis = await redis.get(`projection-checkpoint:${name}`);
        if (inRedis) at.set(name, inRedis);
      }
      const behind = projections.filter((name) => at.get(name) !== head);
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`projections still behind ${head}: ${behind.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    redis.disconnect();
  }
}
