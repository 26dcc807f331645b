import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Claim, ClaimedKey, IdempotencyStore, StoredResponse } from '../../ports/idempotency-store.js';

interface Row {
  request_hash: string;
  state: 'in_progress' | 'completed';
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: unknown;
  claimed: boolean;
}

// Taken only by the holder of the key's advisory lock: an 'in_progress' row it finds belongs to a
// holder that is gone, and is taken over.
const CLAIM = `WITH claimed AS (
    INSERT INTO command_idempotency (scope, key, request_hash, state)
    VALUES ($1, $2, $3, 'in_progress')
    ON CONFLICT (scope, key) DO UPDATE SET created_at = now()
      WHERE command_idempotency.state = 'in_progress'
        AND command_idempotency.request_hash = EXCLUDED.request_hash
    RETURNING request_hash, state, status_code, response_headers, response_body, true AS claimed
  )
  SELECT * FROM claimed
  UNION ALL
  SELECT request_hash, state, status_code, response_headers, response_body, false
  FROM command_idempotency WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`;

const COMPLETE = `UPDATE command_idempotency SET state = 'completed', status_code = $3,
    response_headers = $4, response_body = $5, completed_at = now()
  WHERE scope = $1 AND key = $2`;

/**
 * Answers in PostgreSQL. A claim is a session-level advisory lock on a connection held while the
 * request runs: it ends with the holder, since PostgreSQL frees the lock when the holder's
 * connection closes (the process died) or the server restarts. A retry of a request whose first
 * attempt died therefore runs at once, and finds that attempt's events (if it appended any) by
 * their deterministic ids, instead of waiting out a lease.
 *
 * The claim's row commits asynchronously (losing it in a crash also loses the connection holding
 * the claim, so nothing is answered from it), but the answer commits synchronously before it is
 * sent: a refusal or a no-op, which appends nothing, replays the same after any crash.
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(
    /** Connections are held while requests run; size it for concurrent idempotent requests. */
    private readonly pool: pg.Pool,
    private readonly ttlSeconds: number,
  ) {}

  async claim(scope: string, key: string, requestHash: string): Promise<Claim> {
    const lock = lockId(scope, key);
    const client = await this.pool.connect();
    let held = false;
    try {
      const { rows: locked } = await client.query<{ held: boolean }>(
        `SELECT pg_try_advisory_lock(${lock}) AS held`,
      );
      held = locked[0]?.held === true;
      if (!held) {
        client.release();
        return { outcome: 'in_progress' };
      }
      const { rows } = await client.query<Row>(CLAIM, [scope, key, requestHash]);
      const row = rows[0];
      if (row?.claimed) return { outcome: 'claimed', key: new HeldClaim(client, scope, key, lock) };
      await unlockAndRelease(client, lock);
      if (!row) return { outcome: 'in_progress' }; // purged between the two statements: rare
      if (row.request_hash !== requestHash) return { outcome: 'mismatch' };
      if (row.state === 'completed') {
        return {
          outcome: 'replay',
          response: {
            status: row.status_code!,
            headers: row.response_headers ?? {},
            body: row.response_body,
          },
        };
      }
      return { outcome: 'in_progress' };
    } catch (error) {
      // A connection in an unknown state (maybe holding the lock) is closed, never reused.
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  async purgeExpired(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM command_idempotency WHERE created_at < now() - make_interval(secs => $1)`,
      [this.ttlSeconds],
    );
    return rowCount ?? 0;
  }
}

class HeldClaim implements ClaimedKey {
  private ended = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly scope: string,
    private readonly key: string,
    private readonly lock: string,
  ) {}

  async complete(response: StoredResponse): Promise<void> {
    await this.end(async () => {
      await this.client.query('BEGIN; SET LOCAL synchronous_commit TO on');
      await this.client.query(COMPLETE, [
        this.scope,
        this.key,
        response.status,
        JSON.stringify(response.headers),
        JSON.stringify(response.body ?? null),
      ]);
      await this.client.query('COMMIT');
    });
  }

  async release(): Promise<void> {
    await this.end(() =>
      this.client.query(
        `DELETE FROM command_idempotency WHERE scope = $1 AND key = $2 AND state = 'in_progress'`,
        [this.scope, this.key],
      ),
    );
  }

  /** Does `work`, then frees the lock only after it committed; on failure the connection is closed. */
  private async end(work: () => Promise<unknown>): Promise<void> {
    if (this.ended) throw new Error('the idempotency claim has already ended');
    this.ended = true;
    try {
      await work();
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      this.client.release(error instanceof Error ? error : true);
      throw error;
    }
    await unlockAndRelease(this.client, this.lock);
  }
}

async function unlockAndRelease(client: pg.PoolClient, lock: string): Promise<void> {
  try {
    await client.query(`SELECT pg_advisory_unlock(${lock})`);
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

/** The key's advisory lock id: 64 bits of its SHA-256, a decimal literal safe to put in SQL. */
function lockId(scope: string, key: string): string {
  const digest = createHash('sha256').update(`idempotency\u0000${scope}\u0000${key}`).digest();
  return digest.readBigInt64BE(0).toString();
}
