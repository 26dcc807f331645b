import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import type { ProjectionTarget, TargetRun } from '../../ports/checkpoint-store.js';

// Compare-and-set: the checkpoint moves only from the one the run last committed. After a crash
// that erased asynchronous commits, the stored checkpoint is older than the run believes, the
// statement matches nothing, and the run starts over from what is really there.
const FIRST_CHECKPOINT = `INSERT INTO projection_checkpoints (projection, transaction_id, global_position)
  VALUES ($1, $2, $3) ON CONFLICT (projection) DO NOTHING`;
const NEXT_CHECKPOINT = `UPDATE projection_checkpoints
  SET transaction_id = $4, global_position = $5, updated_at = now()
  WHERE projection = $1 AND transaction_id = $2 AND global_position = $3`;

/** PostgreSQL read tables: effects and checkpoint commit in one transaction, or neither does. */
export class PostgresTarget implements ProjectionTarget<pg.ClientBase> {
  constructor(private readonly pool: pg.Pool) {}

  async open(projection: string): Promise<TargetRun<pg.ClientBase>> {
    return new PostgresRun(this.pool, projection, await loadCheckpoint(this.pool, projection));
  }

  loadCheckpoint(projection: string): Promise<Checkpoint | null> {
    return loadCheckpoint(this.pool, projection);
  }
}

class PostgresRun implements TargetRun<pg.ClientBase> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly projection: string,
    public checkpoint: Checkpoint | null,
  ) {}

  async commit<T>(
    work: ((tx: pg.ClientBase) => Promise<T>) | null,
    to: Checkpoint | null,
  ): Promise<T | undefined> {
    // Only a checkpoint to move: one statement, no transaction (an idle projection, every poll).
    if (!work) {
      if (to) await this.move(this.pool, to);
      return undefined;
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      if (to) await this.move(client, to);
      await client.query('COMMIT');
      if (to) this.checkpoint = to;
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async move(db: pg.Pool | pg.ClientBase, to: Checkpoint): Promise<void> {
    const from = this.checkpoint;
    const { rowCount } = from
      ? await db.query(NEXT_CHECKPOINT, [
          this.projection,
          from.transactionId,
          from.globalPosition,
          to.transactionId,
          to.globalPosition,
        ])
      : await db.query(FIRST_CHECKPOINT, [this.projection, to.transactionId, to.globalPosition]);
    if (rowCount !== 1) {
      throw new CheckpointConflict(
        this.projection,
        'the stored checkpoint is not the one this run committed',
      );
    }
    if (db === this.pool) this.checkpoint = to;
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
