import type { ClientBase } from 'pg';
import type { ReadModelTables } from './read-model-tables.js';

/*
 * The DDL of a generation: copies of a projection's live tables in the generation's schema,
 * made from the catalog so that a migration changing a live table changes its next generation
 * too. Catalog text is read with `search_path` set to pg_catalog alone, so every name in it comes
 * schema-qualified and can be moved to the generation's schema without guessing.
 */

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

const inSchema = (schema: string, table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;

/** Moves `CREATE ... ON public.<table> ...` text onto the same table in `schema`. */
function retarget(definition: string, table: string, schema: string): string {
  const live = new RegExp(` ON (ONLY )?public\\.(${table}|"${table}") `);
  if (!live.test(definition)) throw new Error(`unexpected catalog definition for ${table}: ${definition}`);
  return definition.replace(live, ` ON $1${inSchema(schema, table)} `);
}

async function catalogRows<T extends object>(tx: ClientBase, sql: string, params: unknown[]): Promise<T[]> {
  const saved = await tx.query<{ path: string }>(
    `SELECT current_setting('search_path') AS path, set_config('search_path', 'pg_catalog', true)`,
  );
  try {
    return (await tx.query<T>(sql, params)).rows;
  } finally {
    await tx.query(`SELECT set_config('search_path', $1, true)`, [saved.rows[0]!.path]);
  }
}

/** An unlogged one-row table beside the generation's: empty after a server crash (see below). */
export const LOADING_MARKER = '_loading';

/**
 * Creates the generation's schema: an empty copy of each owned table (columns, defaults,
 * generated columns, CHECK constraints, primary and unique keys, triggers, a sequence of its own
 * for each serial column) and a view onto each live table the projector only `uses`. The copies
 * are UNLOGGED while they are bulk-loaded (no WAL per row; `finishBulkLoad` logs them in one pass,
 * then builds the secondary indexes). A server crash empties unlogged tables, the one-row
 * LOADING_MARKER with them, which tells the next run that the load must start over. Run inside
 * the transaction that records the generation, so a crash leaves either all of it or nothing.
 */
export async function createGenerationTables(
  tx: ClientBase,
  schema: string,
  tables: ReadModelTables,
): Promise<void> {
  await tx.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  for (const table of tables.owns) {
    const target = inSchema(schema, table);
    await tx.query(
      `CREATE UNLOGGED TABLE ${target} (LIKE public.${quoteIdent(table)} INCLUDING DEFAULTS INCLUDING GENERATED
         INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)`,
    );
    // A serial column's default names the live table's sequence, which goes when the retired
    // table is dropped: each generation gets its own, which moves with its table at the switch.
    const serials = await catalogRows<{ column_name: string; sequence: string; last: string | null }>(
      tx,
      `SELECT a.attname AS column_name, s.relname AS sequence, ps.last_value::text AS last
       FROM pg_depend d
       JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
       JOIN pg_sequences ps ON ps.schemaname = 'public' AND ps.sequencename = s.relname
       WHERE d.refobjid = $1::regclass AND d.deptype = 'a' AND d.classid = 'pg_class'::regclass`,
      [`public.${quoteIdent(table)}`],
    );
    for (const { column_name, sequence, last } of serials) {
      const seq = inSchema(schema, sequence);
      await tx.query(`CREATE SEQUENCE ${seq} OWNED BY ${target}.${quoteIdent(column_name)}`);
      if (last) await tx.query(`SELECT setval($1, $2::bigint)`, [`${schema}.${sequence}`, last]);
      await tx.query(
        `ALTER TABLE ${target} ALTER COLUMN ${quoteIdent(column_name)} SET DEFAULT nextval('${schema}.${sequence}'::regclass)`,
      );
    }
    const keys = await catalogRows<{ name: string; def: string }>(
      tx,
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY contype, conname`,
      [`public.${quoteIdent(table)}`],
    );
    for (const { name, def } of keys)
      await tx.query(`ALTER TABLE ${target} ADD CONSTRAINT ${quoteIdent(name)} ${def}`);
    const triggers = await catalogRows<{ def: string }>(
      tx,
      `SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger
       WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname`,
      [`public.${quoteIdent(table)}`],
    );
    for (const { def } of triggers) await tx.query(retarget(def, table, schema));
  }
  for (const table of tables.uses ?? []) {
    await tx.query(`CREATE VIEW ${inSchema(schema, table)} AS SELECT * FROM public.${quoteIdent(table)}`);
  }
  const marker = inSchema(schema, LOADING_MARKER);
  await tx.query(`CREATE UNLOGGED TABLE ${marker} (since timestamptz NOT NULL DEFAULT now())`);
  await tx.query(`INSERT INTO ${marker} DEFAULT VALUES`);
}

/** False when a server crash emptied the generation's unlogged tables since they were made. */
export async function bulkLoadSurvived(tx: ClientBase, schema: string): Promise<boolean> {
  const { rows } = await tx.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${inSchema(schema, LOADING_MARKER)}) AS ok`,
  );
  return rows[0]!.ok;
}

/** Empties the generation's tables for a new load (after a crash emptied some of them). */
export async function restartBulkLoad(
  tx: ClientBase,
  schema: string,
  tables: ReadModelTables,
): Promise<void> {
  await tx.query(`TRUNCATE ${tables.owns.map((t) => inSchema(schema, t)).join(', ')}`);
  await tx.query(`INSERT INTO ${inSchema(schema, LOADING_MARKER)} DEFAULT VALUES`);
}

/**
 * Ends the bulk load: the generation's tables become logged (written to the WAL in one pass), and
 * the live tables' indexes that back no constraint are built on them, each once.
 */
export async function finishBulkLoad(
  tx: ClientBase,
  schema: string,
  tables: ReadModelTables,
): Promise<number> {
  let created = 0;
  for (const table of tables.owns) {
    await tx.query(`ALTER TABLE ${inSchema(schema, table)} SET LOGGED`);
    const indexes = await catalogRows<{ def: string }>(
      tx,
      `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
       WHERE i.indrelid = $1::regclass
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
       ORDER BY i.indexrelid`,
      [`public.${quoteIdent(table)}`],
    );
    for (const { def } of indexes) {
      // IF NOT EXISTS: an indexing phase interrupted half-way is simply run again.
      await tx.query(
        retarget(def, table, schema).replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS '),
      );
      created++;
    }
    await tx.query(`ANALYZE ${inSchema(schema, table)}`);
  }
  return created;
}

/** The views reading any of `tables` in `public`, with their definitions (to re-point them). */
export async function dependentViews(
  tx: ClientBase,
  tables: readonly string[],
): Promise<{ name: string; definition: string }[]> {
  const { rows } = await tx.query<{ name: string; definition: string }>(
    `SELECT DISTINCT v.relname AS name, pg_get_viewdef(v.oid, true) AS definition
     FROM pg_depend d
     JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
     JOIN pg_class v ON v.oid = r.ev_class AND v.relkind = 'v'
     JOIN pg_namespace n ON n.oid = v.relnamespace AND n.nspname = 'public'
     JOIN pg_class t ON t.oid = d.refobjid AND t.relname = ANY($1::text[])
     JOIN pg_namespace tn ON tn.oid = t.relnamespace AND tn.nspname = 'public'
     WHERE d.refclassid = 'pg_class'::regclass`,
    [tables],
  );
  return rows;
}
