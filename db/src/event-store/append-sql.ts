import type { ExpectedVersion, NewEvent } from '@meetings/events';

/**
 * One statement appends a whole batch: it reads the stream's current version, inserts the events
 * numbered after it when the expectation holds, and reports what it did. The unique
 * (stream_id, stream_version) index turns a concurrent append of the same versions into a
 * unique violation, so two writers can never both succeed from the same version.
 */
export const APPEND_SQL = `
WITH current AS (
  SELECT coalesce(max(stream_version), 0) AS version FROM es_events WHERE stream_id = $1
), inserted AS (
  INSERT INTO es_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
  SELECT e.event_id, $1, current.version + e.ord, e.type, e.schema_version, e.data, e.metadata, e.occurred_at
  FROM current,
       unnest($4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::timestamptz[])
         WITH ORDINALITY AS e(event_id, type, schema_version, data, metadata, occurred_at, ord)
  WHERE CASE $2::text
          WHEN 'exact' THEN current.version = $3
          WHEN 'exists' THEN current.version > 0
          ELSE true
        END
  ORDER BY e.ord
  RETURNING global_position, transaction_id
)
SELECT (SELECT version FROM current) AS current_version,
       count(*)::int AS inserted,
       max(global_position) AS last_position,
       max(transaction_id::text::bigint) AS transaction_id
FROM inserted`;

export type ExpectationKind = 'exact' | 'exists' | 'any';

export function expectation(expected: ExpectedVersion): { kind: ExpectationKind; version: number } {
  if (expected === 'any') return { kind: 'any', version: 0 };
  if (expected === 'stream_exists') return { kind: 'exists', version: 0 };
  if (expected === 'no_stream') return { kind: 'exact', version: 0 };
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new RangeError(`expected version must be a non-negative integer, got ${expected}`);
  }
  return { kind: 'exact', version: expected };
}

export function appendParameters(
  streamId: string,
  expected: ExpectedVersion,
  events: readonly NewEvent[],
): unknown[] {
  const { kind, version } = expectation(expected);
  return [
    streamId,
    kind,
    version,
    events.map((e) => e.eventId),
    events.map((e) => e.type),
    events.map((e) => e.schemaVersion),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => JSON.stringify(e.metadata)),
    events.map((e) => e.occurredAt.toISOString()),
  ];
}

export function satisfies(expected: ExpectedVersion, actual: number): boolean {
  const { kind, version } = expectation(expected);
  return kind === 'any' || (kind === 'exists' ? actual > 0 : actual === version);
}
