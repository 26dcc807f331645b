import type { ClientBase } from 'pg';
import { copiesStraight, copyRows, rowSource } from './row-source.js';

/*
 * Batch projection by folding: load the rows a batch may change, apply its events to them in
 * memory in log order, then write each changed row back once. An event changes a row only when it
 * is newer than the row, exactly as the `WHERE last_stream_version < $version` of a per-event
 * statement does, so folding a batch leaves the rows that applying its events one by one would.
 */

/** An event's time as a column value: the instant a Date parameter would have sent. */
export const timestamp = (date: Date): string => date.toISOString();

/** Every projected row remembers the version of its source stream it last applied. */
export interface VersionedRow {
  last_stream_version: number;
}

/** The rows of one table a batch has loaded or created, keyed by their conflict key. */
export class RowSet<Row extends VersionedRow> {
  private readonly rows = new Map<string, Row>();
  private readonly changed = new Set<string>();
  /** Rows the batch created: not found by the load, so not in the table (bulk-load.ts). */
  private readonly created = new Set<string>();
  private readonly groups = new Map<string, Row[]>();

  /** `groupOf` must be a column no event changes (it indexes the rows for `group`). */
  constructor(
    private readonly keyOf: (row: Row) => string,
    private readonly groupOf?: (row: Row) => string,
  ) {}

  values(): IterableIterator<Row> {
    return this.rows.values();
  }

  /** The rows sharing a `groupOf` value. */
  group(name: string): readonly Row[] {
    return this.groups.get(name) ?? [];
  }

  /** A row as stored, or a new one: kept, but written back only once an event changes it. */
  add(row: Row): void {
    this.rows.set(this.keyOf(row), row);
    if (!this.groupOf) return;
    const name = this.groupOf(row);
    const members = this.groups.get(name);
    if (members) members.push(row);
    else this.groups.set(name, [row]);
  }

  /** `UPDATE ... WHERE key = $key AND last_stream_version < $version`: false when nothing changed. */
  update(key: string, version: number, change: (row: Row) => void): boolean {
    const row = this.rows.get(key);
    if (!row || row.last_stream_version >= version) return false;
    change(row);
    row.last_stream_version = version;
    this.changed.add(key);
    return true;
  }

  /** `INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE last_stream_version < $version`. */
  upsert(key: string, version: number, create: () => Row, change: (row: Row) => void): void {
    if (this.rows.has(key)) {
      this.update(key, version, change);
      return;
    }
    this.add(create());
    this.changed.add(key);
    this.created.add(key);
  }

  /** Each changed row once, in the order of its first change (new rows get their ids in log order). */
  changedRows(): Row[] {
    return [...this.changed].map((key) => this.rows.get(key)!);
  }

  /** The changed rows split into those the batch created and those it loaded. */
  changes(): { created: Row[]; loaded: Row[] } {
    const created: Row[] = [];
    const loaded: Row[] = [];
    for (const key of this.changed) (this.created.has(key) ? created : loaded).push(this.rows.get(key)!);
    return { created, loaded };
  }
}

/**
 * The rows of one table keyed by `id` that a batch names: one query loads them, one upsert writes
 * back those its events changed (the whole state of a single-table projector).
 */
export class RowsById<Row extends VersionedRow & { id: string }> {
  readonly rows = new RowSet<Row>((r) => r.id);

  private constructor(private readonly spec: TableSpec<Row>) {}

  static async load<Row extends VersionedRow & { id: string }>(
    tx: ClientBase,
    spec: TableSpec<Row>,
    ids: Iterable<string>,
  ): Promise<RowsById<Row>> {
    const state = new RowsById(spec);
    for (const row of await loadRows(tx, spec, 'id = ANY($1::uuid[])', [[...new Set(ids)]]))
      state.rows.add(row);
    return state;
  }

  write(tx: ClientBase): Promise<void> {
    return writeRows(tx, this.spec, this.rows);
  }
}

/**
 * How a column travels. Values that JavaScript would round (timestamps to milliseconds, bigint and
 * numeric beyond a double) or reformat (jsonb) are loaded as text, so a row written back unchanged
 * stores exactly what it held; `last_stream_version` alone becomes a number, for comparing.
 */
export type SqlType =
  | 'uuid'
  | 'text'
  | 'boolean'
  | 'integer'
  | 'bigint'
  | 'numeric'
  | 'double precision'
  | 'timestamptz'
  | 'jsonb';

const AS_TEXT: ReadonlySet<SqlType> = new Set<SqlType>([
  'bigint',
  'numeric',
  'double precision',
  'timestamptz',
  'jsonb',
]);

export interface TableSpec<Row extends VersionedRow> {
  table: string;
  /** The unique key the upsert conflicts on. */
  key: readonly (keyof Row & string)[];
  /** Columns set when the row is created and never changed after (created_at, a generated id). */
  insertOnly: readonly (keyof Row & string)[];
  /** Every column the projection writes; the others (updated_at, deleted_at, ...) are left alone. */
  columns: { readonly [K in keyof Row & string]-?: SqlType };
}

/** The table's rows that match `where` (parameters `$1...`), in the representation above. */
export async function loadRows<Row extends VersionedRow>(
  tx: ClientBase,
  spec: TableSpec<Row>,
  where: string,
  params: readonly unknown[],
): Promise<Row[]> {
  const select = Object.entries<SqlType>(spec.columns)
    .map(([name, type]) => (AS_TEXT.has(type) ? `${name}::text AS ${name}` : name))
    .join(', ');
  const { rows } = await tx.query<Row>(`SELECT ${select} FROM ${spec.table} WHERE ${where}`, [...params]);
  for (const row of rows) row.last_stream_version = Number(row.last_stream_version);
  return rows;
}

/** The upsert of rows read from `from` (a RowSource aliased `src`), in their order. */
function upsertStatement<Row extends VersionedRow>(spec: TableSpec<Row>, from: string): string {
  const columns = Object.entries<SqlType>(spec.columns);
  const names = columns.map(([name]) => name).join(', ');
  const fixed = new Set<string>([...spec.key, ...spec.insertOnly]);
  return `INSERT INTO ${spec.table} AS cur (${names})
    SELECT ${names}
    FROM ${from}
    ORDER BY n
    ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET
      ${columns
        .filter(([name]) => !fixed.has(name))
        .map(([name]) => `${name} = EXCLUDED.${name}`)
        .join(', ')}
    WHERE cur.last_stream_version < EXCLUDED.last_stream_version`;
}

/**
 * Writes a batch's changed rows back with one statement. Still guarded by version: a row that
 * someone else has meanwhile moved past ours is left as it is, so no write can take a row
 * backwards. In a bulk load many new rows are COPYed straight in and only the others upserted.
 */
export async function writeRows<Row extends VersionedRow>(
  tx: ClientBase,
  spec: TableSpec<Row>,
  set: RowSet<Row>,
): Promise<void> {
  const { created, loaded } = set.changes();
  if (!copiesStraight(tx, created)) return upsertRows(tx, spec, set.changedRows());
  const names = Object.keys(spec.columns) as (keyof Row & string)[];
  await copyRows(
    tx,
    spec.table,
    names,
    created.map((row) => names.map((name) => row[name])),
  );
  await upsertRows(tx, spec, loaded);
}

async function upsertRows<Row extends VersionedRow>(
  tx: ClientBase,
  spec: TableSpec<Row>,
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.entries<SqlType>(spec.columns);
  const source = await rowSource(
    tx,
    'src',
    columns,
    rows.map((row) => columns.map(([name]) => row[name as keyof Row])),
  );
  await tx.query(upsertStatement(spec, source.from), source.params);
}
