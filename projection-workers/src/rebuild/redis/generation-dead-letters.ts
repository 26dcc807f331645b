import type { Checkpoint, EventEnvelope } from '@meetings/events';
import type pg from 'pg';
import { PostgresDeadLetterStore } from '../../adapters/postgres/postgres-dead-letter-store.js';
import type { DeadLetter, DeadLetterStore } from '../../ports/dead-letter-store.js';

/**
 * The new generation's dead letters, kept under its run name (`<projection>@<generation>`, as
 * the PostgreSQL rebuild keeps them) so that they neither mix with the live ones nor get retried
 * against the live keys before the switch.
 */
export class GenerationDeadLetters implements DeadLetterStore {
  private readonly store: PostgresDeadLetterStore;

  constructor(
    pool: pg.Pool,
    private readonly runName: string,
  ) {
    this.store = new PostgresDeadLetterStore(pool);
  }

  record(_projection: string, event: EventEnvelope, error: string, attempts: number): Promise<void> {
    return this.store.record(this.runName, event, error, attempts);
  }

  list(filter: { projection?: string; status?: DeadLetter['status'] } = {}): Promise<DeadLetter[]> {
    return this.store.list({ ...filter, projection: this.runName });
  }

  get(id: number): Promise<DeadLetter | null> {
    return this.store.get(id);
  }

  markResolved(id: number): Promise<void> {
    return this.store.markResolved(id);
  }

  markFailedAgain(id: number, error: string): Promise<void> {
    return this.store.markFailedAgain(id, error);
  }
}

/**
 * After the switch: the generation's dead letters become the projection's, replacing the live
 * ones up to the switch (those were the old keys' verdicts); later ones are the live run's own.
 * Not atomic with the Redis switch: a crash in between leaves them under the run name, listed.
 */
export async function adoptDeadLetters(
  pool: pg.Pool,
  projection: string,
  runName: string,
  at: Checkpoint,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `DELETE FROM projection_dead_letters d USING es_events e
       WHERE d.projection = $1 AND e.event_id = d.event_id
         AND (e.transaction_id, e.global_position) <= ($2::text::xid8, $3)`,
      [projection, String(at.transactionId), at.globalPosition],
    );
    await client.query(
      `UPDATE projection_dead_letters d SET projection = $1 WHERE d.projection = $2
         AND NOT EXISTS (SELECT 1 FROM projection_dead_letters l WHERE l.projection = $1 AND l.event_id = d.event_id)`,
      [projection, runName],
    );
    await client.query('DELETE FROM projection_dead_letters WHERE projection = $1', [runName]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
