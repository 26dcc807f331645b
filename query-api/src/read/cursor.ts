import { storableDateTimeProblem } from '@meetings/events';
/**
 * Opaque keyset cursors: base64url of `{"k": kind, "t": timestamp, "i": id}` — the sort key of the
 * last row of a page. The next page starts strictly after that key, so rows inserted meanwhile can
 * neither push an existing row out of the page sequence nor repeat one (unlike OFFSET).
 */

/** What is being paged; a cursor of one listing is refused by another. */
export type CursorKind = 'meetings' | 'chat' | 'operation-logs';

export interface CursorKey {
  /** The sort timestamp, ISO 8601 with up to microsecond precision (as `exactTimestamp` writes it). */
  t: string;
  /** The row id, the tie-breaker: a uuid, or a bigint id as decimal text. */
  i: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ID_FORMATS: Record<CursorKind, RegExp> = {
  meetings: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  chat: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  'operation-logs': /^[1-9]\d{0,17}$/,
};

export class InvalidCursor extends Error {
  override readonly name = 'InvalidCursor';
}

export function encodeCursor(kind: CursorKind, key: CursorKey): string {
  return Buffer.from(JSON.stringify({ k: kind, t: key.t, i: key.i }), 'utf8').toString('base64url');
}

/** The key of a cursor this API issued for `kind`; InvalidCursor for anything else. */
export function decodeCursor(kind: CursorKind, cursor: string): CursorKey {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new InvalidCursor('not a cursor this API issued');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor('not a cursor this API issued');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidCursor('not a cursor this API issued');
  const { k, t, i } = parsed as Record<string, unknown>;
  if (k !== kind) throw new InvalidCursor(`not a cursor of this listing (${kind})`);
  if (typeof t !== 'string' || !TIMESTAMP.test(t) || storableDateTimeProblem(t) !== null) {
    throw new InvalidCursor('the cursor holds no valid position');
  }
  if (typeof i !== 'string' || !ID_FORMATS[kind].test(i)) {
    throw new InvalidCursor('the cursor holds no valid position');
  }
  return { t, i };
}

/** A page of `limit` rows from `rows`, fetched with LIMIT limit + 1 to learn whether more follow. */
export function page<R, T>(
  rows: readonly R[],
  limit: number,
  kind: CursorKind,
  keyOf: (row: R) => CursorKey,
  toItem: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const visible = rows.slice(0, limit);
  const last = visible[visible.length - 1];
  return {
    items: visible.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(kind, keyOf(last)) : null,
  };
}
