import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { isBulkLoading } from './bulk-load.js';

/** A relation of rows for an `INSERT ... SELECT`: its FROM item and the statement's parameters. */
export interface RowSource {
  from: string;
  params: unknown[];
}

/** Below this many rows, array parameters; from it on, COPY (cheaper per row, dearer per batch). */
export const COPY_FROM_ROWS = 1_000;

/**
 * The rows as a relation `alias(<columns>, n)`, n numbering them from 1 in the given order.
 * Few rows travel as one array parameter per column (`unnest`). Many go through COPY into a
 * temporary staging table, emptied at commit: PostgreSQL parses array literals far more slowly
 * than COPY text (measured: 40,000 audit rows with their JSON took 1.16 s as arrays, 0.52 s as
 * COPY and INSERT ... SELECT), which is what bulk loads and catch-ups are made of. The staging
 * table's name is a hash of the column list, so its columns are always the ones asked for.
 */
export async function rowSource(
  tx: ClientBase,
  alias: string,
  columns: readonly (readonly [name: string, type: string])[],
  rows: readonly (readonly unknown[])[],
): Promise<RowSource> {
  const names = columns.map(([name]) => name);
  if (rows.length < COPY_FROM_ROWS) {
    return {
      from: `unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
        WITH ORDINALITY AS ${alias}(${names.join(', ')}, n)`,
      params: columns.map((_, i) => rows.map((row) => row[i])),
    };
  }
  const stage = `stage_${createHash('sha256').update(JSON.stringify(columns)).digest('hex').slice(0, 16)}`;
  await tx.query(
    `CREATE TEMP TABLE IF NOT EXISTS ${stage} (${columns.map(([name, type]) => `${name} ${type}`).join(', ')}, n bigint)
     ON COMMIT DELETE ROWS`,
  );
  await copy(tx, `pg_temp.${stage}`, [...names, 'n'], rows, true);
  return { from: `pg_temp.${stage} AS ${alias}`, params: [] };
}

type Columns = readonly (readonly [name: string, type: string])[];

/**
 * Inserts rows in their order into `table`, skipping those whose `key` exists (ON CONFLICT DO
 * NOTHING): rows written once, never changed. Many rows of a bulk load are COPYed straight in.
 */
export async function insertNewRows(
  tx: ClientBase,
  table: string,
  key: string,
  columns: Columns,
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map(([name]) => name);
  if (copiesStraight(tx, rows)) return copyRows(tx, table, names, rows);
  const source = await rowSource(tx, 'src', columns, rows);
  await tx.query(
    `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM ${source.from}
     ORDER BY n ON CONFLICT (${key}) DO NOTHING`,
    source.params,
  );
}

/** Whether these rows, all new, go straight into their table by COPY (bulk-load.ts). */
export const copiesStraight = (tx: ClientBase, rows: readonly unknown[]): boolean =>
  isBulkLoading(tx) && rows.length >= COPY_FROM_ROWS;

/** COPY of rows into the table's named columns, in their order (a serial id follows it). */
export function copyRows(
  tx: ClientBase,
  table: string,
  names: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  return copy(tx, table, names, rows, false);
}

async function copy(
  tx: ClientBase,
  table: string,
  names: readonly string[],
  rows: readonly (readonly unknown[])[],
  numbered: boolean,
): Promise<void> {
  await pipeline(
    Readable.from(copyLines(rows, numbered)),
    tx.query(copyFrom(`COPY ${table} (${names.join(', ')}) FROM STDIN`)),
  );
}

/** COPY text in pieces of about 64 KiB: no string of the whole batch, and the first piece leaves early. */
function* copyLines(rows: readonly (readonly unknown[])[], numbered: boolean): Generator<string> {
  let piece = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let line = copyText(row[0]);
    for (let j = 1; j < row.length; j++) line += '\t' + copyText(row[j]);
    piece += numbered ? `${line}\t${i + 1}\n` : `${line}\n`;
    if (piece.length >= 65_536) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value in COPY's text format: `\N` for NULL, backslash escapes for the characters it reserves. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const text =
    value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch]!);
}
