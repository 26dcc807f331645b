/**
 * Collects the parameters of one statement while its text is assembled: `p.add(value)` returns the
 * placeholder (`$3`) to splice in. Values never enter the text, so no input can change the SQL.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `a AND b AND c` of the given conditions; `TRUE` for none. */
export function and(conditions: readonly string[]): string {
  return conditions.length === 0 ? 'TRUE' : conditions.map((c) => `(${c})`).join(' AND ');
}

/**
 * A timestamptz as ISO 8601 UTC text with microseconds, PostgreSQL's full precision: a JavaScript
 * Date keeps milliseconds only, and a keyset cursor rounded to them would skip or repeat rows.
 */
export function exactTimestamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
