import type { Readable } from 'node:stream';
import type pg from 'pg';
import { migrations } from '../migrations/index.js';
import { BackupFormatError } from './format.js';
import type { BackupHeader } from './format.js';
import { readBackup } from './read-backup.js';
import type { BackupPart } from './read-backup.js';
import { BACKED_UP_SECTIONS, MUST_BE_EMPTY } from './tables.js';
import type { BackupProgress } from './write-backup.js';

/** The database a restore was pointed at already holds data; nothing was written. */
export class DatabaseNotEmptyError extends Error {
  override readonly name = 'DatabaseNotEmptyError';
}

/**
 * How the writing transaction ids of the events are restored. They order the global log (with the
 * position), and readers only read transactions below the snapshot's xmin; so every restored id
 * must be below the restoring transaction's own, and every later append must get a higher one.
 * - `preserve`: the ids as they were; possible when the target cluster's transaction counter is
 *   already past the backup's newest id (the same cluster, or a busier one).
 * - `remap`: the ids renumbered in the same order onto a range of ids just consumed for the purpose
 *   (one empty transaction each, ~3 µs apiece): order and positions are kept, the values are not.
 * - `auto` (default): `preserve` when possible, else `remap`.
 */
export type TransactionIdMode = 'auto' | 'preserve' | 'remap';

export interface LoadOptions {
  transactionIds?: TransactionIdMode;
  onProgress?: (p: BackupProgress) => void;
}

export interface LoadResult {
  header: BackupHeader;
  transactionIds: 'preserved' | 'remapped';
  /** Rows applied once the projections are rebuilt (sections loaded `after-rebuild`), by table. */
  afterRebuild: { section: string; table: string; rows: string[] }[];
}

/** Tables among MUST_BE_EMPTY that hold rows. */
export async function nonEmptyTables(db: pg.Pool | pg.PoolClient): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>(
    MUST_BE_EMPTY.map((t) => `SELECT '${t}' AS t WHERE EXISTS (SELECT 1 FROM ${t})`).join(' UNION ALL '),
  );
  return rows.map((r) => r.t);
}

function refuseNonEmpty(tables: string[]): void {
  if (tables.length > 0) {
    throw new DatabaseNotEmptyError(
      `the database is not empty (${tables.join(', ')} hold rows): a restore only loads into an empty database; create a new one`,
    );
  }
}

/**
 * Loads a backup file into a migrated, empty database in one transaction: all of it or nothing
 * (a corrupt or truncated file is found by the time the last rows are read, before the commit).
 * The projections are not rebuilt here; see the restore in projection-workers.
 */
export async function loadBackup(
  pool: pg.Pool,
  input: Readable,
  options: LoadOptions = {},
): Promise<LoadResult> {
  try {
    return await load(pool, input, options);
  } finally {
    // Refused halfway (or done): the file or download is not read any further.
    input.destroy();
  }
}

async function load(pool: pg.Pool, input: Readable, options: LoadOptions): Promise<LoadResult> {
  const mode = options.transactionIds ?? 'auto';
  refuseNonEmpty(await nonEmptyTables(pool));
  const parts = readBackup(input);
  const first = await parts.next();
  if (first.done || first.value.kind !== 'header') throw new BackupFormatError('the backup has no header');
  const header = first.value.header;
  const known = new Set(migrations.map(([name]) => name));
  const unknown = header.migrations.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw new BackupFormatError(
      `the backup comes from a newer schema (migrations ${unknown.join(', ')}); restore it with that version`,
    );
  }
  const strange = header.sections.filter((s) => !BACKED_UP_SECTIONS.some((b) => b.name === s.name));
  if (strange.length > 0) {
    throw new BackupFormatError(
      `the backup has sections this version does not know: ${strange.map((s) => s.name).join(', ')}`,
    );
  }
  const current = await pool.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  const preserve =
    mode === 'preserve' ||
    (mode === 'auto' && BigInt(header.head.transactionId) < BigInt(current.rows[0]!.xid));
  if (mode === 'preserve' && BigInt(header.head.transactionId) >= BigInt(current.rows[0]!.xid)) {
    throw new Error(
      `cannot preserve transaction ids: the backup's reach ${header.head.transactionId}, this cluster is at ${current.rows[0]!.xid}`,
    );
  }
  const client = await pool.connect();
  try {
    if (!preserve) {
      // Consume as many transaction ids as the backup has transactions, so that they can be renumbered
      // below the loading transaction's own. A top-level DO may commit; empty commits cost no WAL flush.
      await client.query(
        `DO $$ BEGIN FOR i IN 1..${header.transactions + 1} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`,
      );
    }
    await client.query('BEGIN');
    // No writer may slip in between the emptiness check and the commit.
    await client.query(`LOCK TABLE ${MUST_BE_EMPTY.join(', ')} IN EXCLUSIVE MODE`);
    refuseNonEmpty(await nonEmptyTables(client));
    const afterRebuild: LoadResult['afterRebuild'] = [];
    const loaded = new Map<string, number>();
    for (const section of BACKED_UP_SECTIONS) {
      const announced = header.sections.find((s) => s.name === section.name);
      if (!announced) throw new BackupFormatError(`the backup has no ${section.name} section`);
      if (section.load === 'replace' && announced.rows > 0)
        await client.query(`DELETE FROM ${section.table}`);
      if (section.load === 'after-rebuild')
        afterRebuild.push({ section: section.name, table: section.table, rows: [] });
    }
    for await (const part of parts) {
      if (part.kind !== 'rows') continue;
      const section = BACKED_UP_SECTIONS.find((s) => s.name === part.section)!;
      if (section.load === 'after-rebuild') {
        afterRebuild.find((a) => a.section === section.name)!.rows.push(...part.rows);
      } else {
        try {
          await client.query(
            `INSERT INTO ${section.table} SELECT * FROM json_populate_recordset(NULL::${section.table}, $1::json)`,
            [`[${part.rows.join(',')}]`],
          );
        } catch (error) {
          throw await whyRefused(parts, section.name, error as Error);
        }
      }
      const rows = (loaded.get(section.name) ?? 0) + part.rows.length;
      loaded.set(section.name, rows);
      const total = header.sections.find((s) => s.name === section.name)!.rows;
      options.onProgress?.({ section: section.name, rows, total });
    }
    await client.query(
      `SELECT setval('es_events_global_position_seq', greatest((SELECT max(global_position) FROM es_events), 1),
         (SELECT count(*) > 0 FROM es_events))`,
    );
    if (!preserve) await renumberTransactions(client, header.transactions);
    await client.query('COMMIT');
    return { header, transactionIds: preserve ? 'preserved' : 'remapped', afterRebuild };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * PostgreSQL refused a batch of rows: a corrupt file (a changed byte can still decompress) or rows
 * this schema does not take. Reading the rest of the file tells which: its checksum.
 */
async function whyRefused(parts: AsyncGenerator<BackupPart>, section: string, error: Error): Promise<Error> {
  try {
    for await (const part of parts) void part;
  } catch (corrupt) {
    if (corrupt instanceof BackupFormatError) return corrupt;
  }
  return new Error(`the database refused rows of ${section} (the file itself is intact): ${error.message}`, {
    cause: error,
  });
}

/** The events' transaction ids, in their order, become the `count` ids just below this transaction's. */
async function renumberTransactions(client: pg.PoolClient, count: number): Promise<void> {
  await client.query(
    `WITH me AS (SELECT pg_current_xact_id()::text::bigint AS xid),
     ranked AS (SELECT transaction_id AS old, dense_rank() OVER (ORDER BY transaction_id) AS r
                FROM (SELECT DISTINCT transaction_id FROM es_events) d)
     UPDATE es_events e SET transaction_id = (me.xid - $1 - 1 + ranked.r)::text::xid8
     FROM ranked, me WHERE e.transaction_id = ranked.old`,
    [count],
  );
}

/** Applies the `after-rebuild` rows (the AI task queue's columns) onto the rebuilt rows. */
export async function applyAfterRebuild(pool: pg.Pool, result: LoadResult): Promise<void> {
  for (const { section, table, rows } of result.afterRebuild) {
    // The one such section so far; another would bring its own statement.
    if (section !== 'ai_tasks_queue' || rows.length === 0) continue;
    await pool.query(
      `UPDATE ${table} t SET dispatched_at = r.dispatched_at, deliveries = r.deliveries, lease_owner = r.lease_owner,
         lease_expires_at = r.lease_expires_at, settled_at = r.settled_at, dead_lettered_at = r.dead_lettered_at
       FROM json_populate_recordset(NULL::${table}, $1::json) r WHERE t.task_id = r.task_id`,
      [`[${rows.join(',')}]`],
    );
  }
}
