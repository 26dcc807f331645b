import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

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
  const text = rows.map((row, i) => `${row.map(copyText).join('\t')}\t${i + 1}\n`).join('');
  await pipeline(
    Readable.from([text]),
    tx.query(copyFrom(`COPY pg_temp.${stage} (${names.join(', ')}, n) FROM STDIN`)),
  );
  return { from: `pg_temp.${stage} AS ${alias}`, params: [] };
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
