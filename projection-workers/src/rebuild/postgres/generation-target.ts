import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import { PostgresTarget } from '../../adapters/postgres/postgres-target.js';
import { whileBulkLoading } from '../../projectors/postgres/bulk-load.js';
import type { ProjectionTarget, TargetRun } from '../../ports/checkpoint-store.js';
import { quoteIdent } from './generation-tables.js';

/**
 * Runs a projector against a generation's tables: each unit of work sees the generation's schema
 * alone on its search_path (plus pg_catalog, always there), so the projector's unqualified table
 * names are the generation's, and a table it does not declare is an error rather than a write into
 * the live one. The checkpoint is kept like any PostgreSQL projection's, under the generation's
 * own name, in the same transaction as the effects. `bulkLoad`: the first run over the log, while
 * the generation's tables hold only what this run wrote (see bulk-load.ts).
 */
export class GenerationTarget implements ProjectionTarget<pg.ClientBase> {
  private readonly inner: PostgresTarget;

  constructor(
    pool: pg.Pool,
    private readonly schema: string,
    private readonly options: { bulkLoad?: boolean } = {},
  ) {
    this.inner = new PostgresTarget(pool);
  }

  async open(projection: string): Promise<TargetRun<pg.ClientBase>> {
    const run = await this.inner.open(projection);
    const schema = this.schema;
    const bulk = this.options.bulkLoad ?? false;
    const project = <T>(work: (tx: pg.ClientBase) => Promise<T>) =>
      bulk ? (tx: pg.ClientBase) => whileBulkLoading(tx, work) : work;
    return {
      get checkpoint() {
        return run.checkpoint;
      },
      commit<T>(work: ((tx: pg.ClientBase) => Promise<T>) | null, to: Checkpoint | null) {
        return run.commit(
          work && ((tx) => inGeneration(tx, schema, project(work), { asyncCommit: true })),
          to,
        );
      },
    };
  }

  loadCheckpoint(projection: string): Promise<Checkpoint | null> {
    return this.inner.loadCheckpoint(projection);
  }
}

/**
 * Runs `work` with the generation's schema as the transaction's search_path, then restores it.
 * `asyncCommit`: the commit returns before its WAL is flushed. Harmless for a generation no reader
 * sees yet: a server crash loses its last batches together with their checkpoint, and the rebuild
 * applies them again. The switch, which readers do see, commits synchronously.
 */
export async function inGeneration<T>(
  tx: pg.ClientBase,
  schema: string,
  work: (tx: pg.ClientBase) => Promise<T>,
  { asyncCommit = false } = {},
): Promise<T> {
  const { rows } = await tx.query<{ path: string }>(
    `SELECT current_setting('search_path') AS path, set_config('search_path', $1, true)`,
    [quoteIdent(schema)],
  );
  if (asyncCommit) await tx.query(`SELECT set_config('synchronous_commit', 'off', true)`);
  const result = await work(tx);
  await tx.query(`SELECT set_config('search_path', $1, true)`, [rows[0]!.path]);
  return result;
}
