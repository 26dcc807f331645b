import { randomBytes } from 'node:crypto';
import {
  BlindIndex,
  concealEvent,
  holdsSealedData,
  PERSONAL_DATA_KEY_BYTES,
  personalSubject,
  revealEvent,
} from '@meetings/events';
import type { EventWithData, PersonalDataVault, SubjectKey } from '@meetings/events';

/** A pool or a client inside a transaction: projectors read keys in the transaction they write in. */
interface Queryable {
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

interface KeyRow extends Record<string, unknown> {
  user_id: string;
  key: Buffer | null;
}

const subjectsOf = (events: readonly EventWithData[], needed: (e: EventWithData) => boolean) => [
  ...new Set(events.filter(needed).flatMap((e) => personalSubject(e) ?? [])),
];

const keyOf = (row: KeyRow | undefined): SubjectKey => (row ? (row.key ?? 'destroyed') : undefined);

/**
 * The keys in `personal_data_keys`, read on every use and never cached: a destroyed key is gone
 * for every reader at once, with nothing to invalidate. One query per call, whatever the events.
 */
export class PostgresPersonalDataVault implements PersonalDataVault {
  constructor(private readonly db: Queryable) {}

  async conceal<E extends EventWithData>(events: readonly E[]): Promise<E[]> {
    const subjects = subjectsOf(events, (e) => personalSubject(e) !== null);
    if (subjects.length === 0) return [...events];
    // Made when missing; an existing row (a live key, or a destroyed one) is kept as it is.
    const { rows } = await this.db.query<KeyRow>(
      `WITH made AS (
         INSERT INTO personal_data_keys (user_id, key)
         SELECT s, k FROM unnest($1::uuid[], $2::bytea[]) AS n(s, k)
         ON CONFLICT (user_id) DO NOTHING
         RETURNING user_id::text, key)
       SELECT user_id, key FROM made
       UNION ALL
       SELECT user_id::text, key FROM personal_data_keys WHERE user_id = ANY($1::uuid[])`,
      [subjects, subjects.map(() => randomBytes(PERSONAL_DATA_KEY_BYTES))],
    );
    const keys = new Map(rows.map((r) => [r.user_id, r.key]));
    return events.map((event) => {
      const subject = personalSubject(event);
      if (subject === null) return event;
      const key = keys.get(subject);
      if (!key) throw new Error(`the personal data of ${subject} is erased: nothing may be written for it`);
      return concealEvent(event, key);
    });
  }

  async reveal<E extends EventWithData>(events: readonly E[]): Promise<E[]> {
    const subjects = subjectsOf(events, holdsSealedData);
    if (subjects.length === 0) return [...events];
    const { rows } = await this.db.query<KeyRow>(
      'SELECT user_id::text, key FROM personal_data_keys WHERE user_id = ANY($1::uuid[])',
      [subjects],
    );
    const keys = new Map(rows.map((r) => [r.user_id, r]));
    return events.map((event) => {
      const subject = personalSubject(event);
      return subject === null ? event : revealEvent(event, keyOf(keys.get(subject)));
    });
  }

  /** Also for a user whose events predate encryption: the tombstone stops any key being made later. */
  async destroy(subject: string): Promise<void> {
    await this.db.query(
      `INSERT INTO personal_data_keys (user_id, key, destroyed_at) VALUES ($1, NULL, now())
       ON CONFLICT (user_id) DO UPDATE SET key = NULL,
         destroyed_at = coalesce(personal_data_keys.destroyed_at, now())`,
      [subject],
    );
  }
}

/** The blind index keyed with the secret the personal-data migration generated. */
export async function loadBlindIndex(db: Queryable): Promise<BlindIndex> {
  const { rows } = await db.query<{ secret: Buffer }>(
    `SELECT secret FROM personal_data_secrets WHERE name = 'blind-index'`,
  );
  if (!rows[0]) throw new Error('the blind-index secret is missing: run the migrations');
  return new BlindIndex(rows[0].secret);
}
