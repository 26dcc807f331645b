import type pg from 'pg';
import type { Claim, IdempotencyStore, StoredResponse } from '../../ports/idempotency-store.js';

interface Row {
  request_hash: string;
  state: 'in_progress' | 'completed';
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: unknown;
  claimed: boolean;
}

/**
 * Claims in PostgreSQL. A claim whose holder died (lock expired) can be taken over; the command's
 * deterministic event ids then keep a re-run from appending twice.
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ttlSeconds: number,
    private readonly lockSeconds = 30,
  ) {}

  async claim(scope: string, key: string, requestHash: string): Promise<Claim> {
    const { rows } = await this.pool.query<Row>(
      `WITH claimed AS (
         INSERT INTO command_idempotency (scope, key, request_hash, state, locked_until)
         VALUES ($1, $2, $3, 'in_progress', now() + make_interval(secs => $4))
         ON CONFLICT (scope, key) DO UPDATE SET locked_until = EXCLUDED.locked_until, created_at = now()
           WHERE command_idempotency.state = 'in_progress' AND command_idempotency.locked_until < now()
             AND command_idempotency.request_hash = EXCLUDED.request_hash
         RETURNING request_hash, state, status_code, response_headers, response_body, true AS claimed
       )
       SELECT * FROM claimed
       UNION ALL
       SELECT request_hash, state, status_code, response_headers, response_body, false
       FROM command_idempotency WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`,
      [scope, key, requestHash, this.lockSeconds],
    );
    const row = rows[0];
    if (!row) return { outcome: 'in_progress' }; // claimed and released between the two reads
    if (row.claimed) return { outcome: 'claimed' };
    if (row.request_hash !== requestHash) return { outcome: 'mismatch' };
    if (row.state === 'completed') {
      return {
        outcome: 'replay',
        response: { status: row.status_code!, headers: row.response_headers ?? {}, body: row.response_body },
      };
    }
    return { outcome: 'in_progress' };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.pool.query(
      `UPDATE command_idempotency SET state = 'completed', status_code = $3, response_headers = $4,
         response_body = $5, completed_at = now() WHERE scope = $1 AND key = $2`,
      [scope, key, response.status, JSON.stringify(response.headers), JSON.stringify(response.body ?? null)],
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM command_idempotency WHERE scope = $1 AND key = $2 AND state = 'in_progress'`,
      [scope, key],
    );
  }

  async purgeExpired(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM command_idempotency WHERE created_at < now() - make_interval(secs => $1)`,
      [this.ttlSeconds],
    );
    return rowCount ?? 0;
  }
}
