import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import type { ProjectionTarget } from '../../ports/checkpoint-store.js';

const SAVE_CHECKPOINT = `INSERT INTO projection_checkpoints (projection, transaction_id, global_position)
  VALUES ($1, $2, $3)
  ON CONFLICT (projection) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
    global_position = EXCLUDED.global_position, updated_at = now()`;

/** PostgreSQL read tables: effects and checkpoint commit in one transaction, or neither does. */
export class PostgresTarget implements ProjectionTarget<pg.ClientBase> {
  constructor(private readonly pool: pg.Pool) {}

  async unitOfWork<T>(work: (tx: pg.ClientBase) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async loadCheckpoint(projection: string): Promise<Checkpoint | null> {
    return loadCheckpoint(this.pool, projection);
  }

  async saveCheckpoint(tx: pg.ClientBase, projection: string, checkpoint: Checkpoint): Promise<void> {
    await tx.query(SAVE_CHECKPOINT, [projection, checkpoint.transactionId, checkpoint.globalPosition]);
  }

  /** One statement, no transaction: an idle projection moves along the log at every poll. */
  async moveCheckpoint(projection: string, checkpoint: Checkpoint): Promise<void> {
    await this.pool.query(SAVE_CHECKPOINT, [projection, checkpoint.transactionId, checkpoint.globalPosition]);
  }
}

export async function loadCheckpoint(
  db: pg.Pool | pg.ClientBase,
  projection: string,
): Promise<Checkpoint | null> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>(
    'SELECT transaction_id, global_position FROM projection_checkpoints WHERE projection = $1',
    [projection],
  );
  const row = rows[0];
  return row
    ? { transactionId: Number(row.transaction_id), globalPosition: Number(row.global_position) }
    : null;
}
