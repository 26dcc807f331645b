import { decodeEvent, START } from '@meetings/events';
import type { Checkpoint, EventStore, UpcasterRegistry } from '@meetings/events';
import type pg from 'pg';
import { loadCheckpoint } from '../../adapters/postgres/postgres-target.js';
import type { Projector } from '../../projectors/projector.js';
import { inGeneration } from './generation-target.js';
import { dependentViews, quoteIdent } from './generation-tables.js';
import { generationRunName } from './generations.js';
import type { Generation } from './generations.js';
import type { ReadModelTables } from './read-model-tables.js';

export interface SwitchOptions {
  pool: pg.Pool;
  store: Pick<EventStore, 'readAll'>;
  upcasters: UpcasterRegistry;
  /** The live projection reads Kafka: it keeps consumer offsets, not a log checkpoint, to move. */
  liveReadsKafka: boolean;
  /** How long the switch waits for the live tables' locks before it tries again. */
  lockTimeoutMs?: number;
  attempts?: number;
}

const DEADLOCK = '40P01';
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Switches readers to the generation in one transaction. It takes the live tables' locks (queries
 * wait the few milliseconds it lasts: none fails, none sees a mix), applies what the log gained
 * since the generation last caught up, so it holds at least everything the live tables hold, and
 * then swaps the tables: the live ones move to the retired schema, the generation's to `public`,
 * and views reading them are re-pointed. The live checkpoint moves to the generation's: the live
 * run's next commit finds a checkpoint it did not write and resumes from there, against the new
 * tables. A deadlock with a live batch (both want the other's lock) or a lock wait past the
 * timeout rolls back and tries again.
 */
export async function switchGeneration(
  options: SwitchOptions,
  g: Generation,
  tables: ReadModelTables,
  projector: Projector<pg.ClientBase>,
): Promise<Checkpoint> {
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    const client = await options.pool.connect();
    try {
      await client.query('BEGIN');
      const switched = await switchInTransaction(client, options, g, tables, projector);
      await client.query('COMMIT');
      return switched;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || (code !== DEADLOCK && code !== LOCK_NOT_AVAILABLE)) throw error;
    } finally {
      client.release();
    }
  }
}

async function switchInTransaction(
  tx: pg.ClientBase,
  options: SwitchOptions,
  g: Generation,
  tables: ReadModelTables,
  projector: Projector<pg.ClientBase>,
): Promise<Checkpoint> {
  const live = (t: string) => `public.${quoteIdent(t)}`;
  const runName = generationRunName(g);
  await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${options.lockTimeoutMs ?? 5_000}ms`]);
  // Read before anything moves, while the names still resolve to the live tables.
  const views = await dependentViews(tx, tables.owns);
  await tx.query(`LOCK TABLE ${tables.owns.map(live).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  // The live run's idle checkpoint moves touch no table: hold its row too.
  await tx.query('SELECT 1 FROM projection_checkpoints WHERE projection = $1 FOR UPDATE', [projector.name]);

  const from = (await loadCheckpoint(tx, runName)) ?? START;
  const to = await applyRest(tx, options, g.schema, projector, from);

  if (tables.carryOver) {
    const { table, key, columns } = tables.carryOver;
    await tx.query(
      `UPDATE ${quoteIdent(g.schema)}.${quoteIdent(table)} AS n
       SET ${columns.map((c) => `${quoteIdent(c)} = o.${quoteIdent(c)}`).join(', ')}
       FROM ${live(table)} AS o WHERE n.${quoteIdent(key)} = o.${quoteIdent(key)}`,
    );
  }
  // The generation's dead letters are now the projection's; the old ones were the old tables'.
  await tx.query(`DELETE FROM projection_dead_letters WHERE projection = $1`, [projector.name]);
  await tx.query(`UPDATE projection_dead_letters SET projection = $1 WHERE projection = $2`, [
    projector.name,
    runName,
  ]);

  await tx.query(`CREATE SCHEMA ${quoteIdent(g.retiredSchema)}`);
  for (const table of tables.owns)
    await tx.query(`ALTER TABLE ${live(table)} SET SCHEMA ${quoteIdent(g.retiredSchema)}`);
  for (const table of tables.owns)
    await tx.query(`ALTER TABLE ${quoteIdent(g.schema)}.${quoteIdent(table)} SET SCHEMA public`);
  for (const { name, definition } of views)
    await tx.query(`CREATE OR REPLACE VIEW public.${quoteIdent(name)} AS ${definition}`);
  // What is left of the build schema: the views onto tables the projector only uses.
  await tx.query(`DROP SCHEMA ${quoteIdent(g.schema)} CASCADE`);

  await tx.query('DELETE FROM projection_checkpoints WHERE projection = $1', [runName]);
  if (!options.liveReadsKafka) {
    await tx.query(
      `INSERT INTO projection_checkpoints (projection, transaction_id, global_position) VALUES ($1, $2, $3)
       ON CONFLICT (projection) DO UPDATE
         SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, updated_at = now()`,
      [projector.name, to.transactionId, to.globalPosition],
    );
  }
  await tx.query(
    `UPDATE projection_generations SET state = 'retired', switched_at = now()
     WHERE projection = $1 AND generation = $2`,
    [g.projection, g.generation],
  );
  return to;
}

/**
 * Applies the projector's events after `from` to the generation, inside the switch's transaction,
 * up to the log's head as this transaction sees it. A few events at most: the generation caught
 * up just before. An event that fails aborts the switch; the caught-up runner dead-letters it.
 */
async function applyRest(
  tx: pg.ClientBase,
  options: SwitchOptions,
  schema: string,
  projector: Projector<pg.ClientBase>,
  from: Checkpoint,
): Promise<Checkpoint> {
  let at = from;
  for (;;) {
    const page = await options.store.readAll({
      fromPosition: at,
      max: 1_000,
      filter: { eventTypes: projector.eventTypes },
    });
    const events = page.events.map((e) => decodeEvent(options.upcasters, e));
    if (events.length > 0) await inGeneration(tx, schema, (t) => projector.apply(t, events));
    at = page.checkpoint;
    if (page.events.length < 1_000) return at;
  }
}
