import { DuplicateEventIdError, START, WrongExpectedVersionError } from '@meetings/events';
import type {
  AppendResult,
  Checkpoint,
  EventEnvelope,
  EventFilter,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadAllResult,
  ReadStreamOptions,
  StreamAppend,
  SubscribeOptions,
  Subscription,
} from '@meetings/events';
import type pg from 'pg';
import { APPEND_SQL, appendParameters, satisfies } from './append-sql.js';
import { PollingSubscription } from './polling-subscription.js';
import { readAllQuery, SNAPSHOT_XMIN_SQL } from './read-all-sql.js';
import { EVENT_COLUMNS, toEnvelope } from './rows.js';
import type { EventRow } from './rows.js';

export interface PostgresEventStoreOptions {
  /** How long an idle subscription waits before looking for new events (default 20 ms). */
  pollIntervalMs?: number;
  /** Retries of an "any" / "stream exists" append that lost a race for the same versions. */
  maxAppendRetries?: number;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

interface AppendRow {
  current_version: string;
  inserted: number;
  last_position: string | null;
  transaction_id: string | null;
}

const UNIQUE_VIOLATION = '23505';

/** Two writers raced for the same versions of a stream; the loser sees a unique violation. */
class VersionRace extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
  ) {
    super(`lost the append race on ${streamId}`);
  }
}

/**
 * REPEATABLE READ: every statement of a multi-stream append reads versions from the snapshot taken
 * before the transaction got its id. Under READ COMMITTED a later statement could build on events of
 * a newer transaction, and the log's (transaction id, position) order would break stream order.
 */
export const MULTI_STREAM_BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ';

/** "any" and "stream exists" still hold after losing a race, so such an append is simply redone. */
const isRetryable = (expected: ExpectedVersion) => expected === 'any' || expected === 'stream_exists';

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === UNIQUE_VIOLATION && e.constraint === constraint;
}

/** The event store on PostgreSQL: the only source of truth of the system. */
export class PostgresEventStore implements EventStore {
  private readonly pollIntervalMs: number;
  private readonly maxAppendRetries: number;

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
    this.maxAppendRetries = options.maxAppendRetries ?? 20;
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult> {
    return this.withRetries(isRetryable(expectedVersion), () =>
      this.appendOnce(this.pool, streamId, events, expectedVersion),
    );
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return this.withRetries(
      appends.every((a) => isRetryable(a.expectedVersion)),
      async () => {
        const client = await this.pool.connect();
        try {
          await client.query(MULTI_STREAM_BEGIN);
          const results: AppendResult[] = [];
          for (const a of appends)
            results.push(await this.appendOnce(client, a.streamId, a.events, a.expectedVersion));
          await client.query('COMMIT');
          return results;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      },
    );
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es_events WHERE stream_id = $1 AND stream_version >= $2
       ORDER BY stream_version LIMIT $3`,
      [streamId, options.from ?? 1, options.max ?? null],
    );
    return rows.map(toEnvelope);
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    return this.readPage(options.fromPosition ?? START, options.max ?? 1000, options.filter);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    return new PollingSubscription({
      read: (from, max, filter) => this.readPage(from, max, filter),
      batchSize: options.batchSize ?? 500,
      pollIntervalMs: this.pollIntervalMs,
      ...(options.fromCheckpoint ? { fromCheckpoint: options.fromCheckpoint } : {}),
      ...(options.filter ? { filter: options.filter } : {}),
    });
  }

  async readEventsById(eventIds: readonly string[]): Promise<EventEnvelope[]> {
    if (eventIds.length === 0) return [];
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es_events WHERE event_id = ANY($1::uuid[]) ORDER BY global_position`,
      [eventIds],
    );
    return rows.map(toEnvelope);
  }

  private async readPage(
    from: Checkpoint,
    max: number,
    filter: EventFilter | undefined,
  ): Promise<ReadAllResult> {
    const snapshot = await this.pool.query<{ xmin: string }>(SNAPSHOT_XMIN_SQL);
    const { rows } = await this.pool.query<EventRow & { is_head: boolean }>(
      readAllQuery(from, max, filter, snapshot.rows[0]!.xmin),
    );
    const events = rows.filter((r) => !r.is_head).map(toEnvelope);
    const head = rows.find((r) => r.is_head);
    const last = events.at(-1)?.checkpoint ?? from;
    // A short filtered page has seen everything up to the head: skip the filtered-out tail too.
    const checkpoint =
      head && events.length < max
        ? { transactionId: Number(head.transaction_id), globalPosition: Number(head.global_position) }
        : last;
    return { events, checkpoint };
  }

  private async appendOnce(
    db: Queryable,
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedVersion,
  ): Promise<AppendResult> {
    if (events.length === 0) return this.appendNothing(db, streamId, expected);
    let row: AppendRow;
    try {
      // Named: prepared once per connection, so the statement is not planned on every append.
      const result = await db.query<AppendRow>({
        name: 'es_append',
        text: APPEND_SQL,
        values: appendParameters(streamId, expected, events),
      });
      row = result.rows[0]!;
    } catch (error) {
      if (isUniqueViolation(error, 'es_events_stream_version_key')) throw new VersionRace(streamId, expected);
      // Looked up outside `db`: a failed statement has aborted its transaction.
      if (isUniqueViolation(error, 'es_events_event_id_key'))
        throw new DuplicateEventIdError(await this.existingIds(events));
      throw error;
    }
    if (row.inserted === 0)
      throw new WrongExpectedVersionError(streamId, expected, Number(row.current_version));
    const lastPosition = Number(row.last_position);
    return {
      streamId,
      nextExpectedVersion: Number(row.current_version) + row.inserted,
      lastPosition,
      checkpoint: { transactionId: Number(row.transaction_id), globalPosition: lastPosition },
    };
  }

  private async appendNothing(
    db: Queryable,
    streamId: string,
    expected: ExpectedVersion,
  ): Promise<AppendResult> {
    const { rows } = await db.query<{
      version: string;
      global_position: string | null;
      transaction_id: string | null;
    }>(
      `SELECT stream_version AS version, global_position, transaction_id::text AS transaction_id
       FROM es_events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1`,
      [streamId],
    );
    const last = rows[0];
    const actual = last ? Number(last.version) : 0;
    if (!satisfies(expected, actual)) throw new WrongExpectedVersionError(streamId, expected, actual);
    const globalPosition = last ? Number(last.global_position) : 0;
    return {
      streamId,
      nextExpectedVersion: actual,
      lastPosition: globalPosition,
      checkpoint: last ? { transactionId: Number(last.transaction_id), globalPosition } : START,
    };
  }

  private async existingIds(events: readonly NewEvent[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ event_id: string }>(
      'SELECT event_id FROM es_events WHERE event_id = ANY($1::uuid[])',
      [events.map((e) => e.eventId)],
    );
    return rows.map((r) => r.event_id);
  }

  private async currentVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ version: string | null }>(
      'SELECT max(stream_version) AS version FROM es_events WHERE stream_id = $1',
      [streamId],
    );
    return Number(rows[0]?.version ?? 0);
  }

  /** An append under "any" or "stream exists" that lost a race for the same versions is simply redone. */
  private async withRetries<T>(retryable: boolean, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof VersionRace)) throw error;
        if (retryable && tries < this.maxAppendRetries) continue;
        // An exact expectation lost the race: another writer appended those versions first.
        throw new WrongExpectedVersionError(
          error.streamId,
          error.expected,
          await this.currentVersion(error.streamId),
        );
      }
    }
  }
}
