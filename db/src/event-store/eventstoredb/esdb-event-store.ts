import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
} from '@eventstore/db-client';
import type { AllStreamResolvedEvent, ReadPosition } from '@eventstore/db-client';
import { matchesFilter, START, WrongExpectedVersionError } from '@meetings/events';
import type {
  AppendResult,
  Checkpoint,
  EventEnvelope,
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
import { satisfies } from '../append-sql.js';
import { isSystemEvent, toEnvelope, toEventData } from './envelope.js';
import { EsdbSubscription } from './esdb-subscription.js';
import { isAfter, toCheckpoint, toExpectedRevision, toReadPosition, toVersion } from './positions.js';

/**
 * EventStoreDB appends to one stream per call, atomically; it has no transaction over several
 * streams (KurrentDB 25.1 added a multi-stream append, which @eventstore/db-client 6 cannot call).
 */
export class MultiStreamAppendUnsupportedError extends Error {
  override readonly name = 'MultiStreamAppendUnsupportedError';
  constructor(readonly streamIds: readonly string[]) {
    super(
      `EventStoreDB cannot append to several streams atomically (${streamIds.join(', ')}); ` +
        'see README "EventStoreDB"',
    );
  }
}

/** Events of $all read per round trip when scanning (filtered reads, lookups by id). */
const SCAN_PAGE = 500;

/**
 * The event store on EventStoreDB/KurrentDB (gRPC, @eventstore/db-client 6). Same port, same
 * envelope as the PostgreSQL store; where the server's semantics differ, the method says so.
 */
export class EsdbEventStore implements EventStore {
  constructor(private readonly client: EventStoreDBClient) {}

  /** `esdb://host:2113?tls=false`, `esdb+discover://…` or `kurrentdb://…`: the client's connection string. */
  static connect(url: string): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(url));
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult> {
    const expectedRevision = toExpectedRevision(expectedVersion);
    if (events.length === 0) return this.appendNothing(streamId, expectedVersion);
    try {
      // One call is one atomic write: all events or none, under the server's expectation check.
      // The same event ids appended again at the same expectation are acknowledged without a
      // second write (the server's idempotent append); the PostgreSQL store refuses them instead.
      const result = await this.client.appendToStream(streamId, events.map(toEventData), {
        expectedRevision,
      });
      const nextExpectedVersion = toVersion(result.nextExpectedRevision);
      // The append's response position is the write's, not necessarily its last event's $all
      // position; read-your-writes compares with the event's, so that event is read back (by its
      // revision: a concurrent "any" writer may already have appended after it).
      const [last] = await this.readStream(streamId, { from: nextExpectedVersion, max: 1 });
      const checkpoint = last?.checkpoint ?? START;
      return { streamId, nextExpectedVersion, lastPosition: checkpoint.globalPosition, checkpoint };
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError)
        throw new WrongExpectedVersionError(streamId, expectedVersion, toVersion(error.actualVersion));
      throw error;
    }
  }

  /**
   * Only what the server can do atomically: the appends of one stream. Several streams are refused
   * before anything is written; see MultiStreamAppendUnsupportedError.
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const streams = [...new Set(appends.map((a) => a.streamId))];
    if (streams.length > 1) throw new MultiStreamAppendUnsupportedError(streams);
    if (appends.length > 1)
      throw new MultiStreamAppendUnsupportedError(appends.map((a) => `${a.streamId} (again)`));
    const [only] = appends;
    return only ? [await this.appendToStream(only.streamId, only.events, only.expectedVersion)] : [];
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    const from = options.from ?? 1;
    const events: EventEnvelope[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: FORWARDS,
        fromRevision: BigInt(Math.max(from, 1) - 1),
        ...(options.max !== undefined ? { maxCount: options.max } : {}),
      });
      for await (const resolved of read) if (resolved.event) events.push(toEnvelope(resolved.event));
    } catch (error) {
      // A stream never written reads as empty, as in PostgreSQL.
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  /**
   * $all in commit order; unlike PostgreSQL's log it also holds system events ($-prefixed streams
   * and types), which are skipped, and the client cannot filter a read server-side (only
   * subscriptions can), so a filtered read scans $all and filters here. The checkpoint moves past
   * what was scanned when the end of $all was reached, as the PostgreSQL store's does.
   */
  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const from = options.fromPosition ?? START;
    const max = options.max ?? 1000;
    const events: EventEnvelope[] = [];
    let scanned = from;
    let position: ReadPosition = toReadPosition(from);
    for (;;) {
      const page = await this.readAllPage(position, Math.max(max, SCAN_PAGE));
      for (const resolved of page) {
        const recorded = resolved.event;
        if (!recorded || !isAfter(recorded.position, from)) continue;
        scanned = toCheckpoint(recorded.position);
        if (isSystemEvent(recorded) || !matchesFilter(options.filter, recorded)) continue;
        events.push(toEnvelope(recorded));
        if (events.length === max) return { events, checkpoint: scanned };
      }
      if (page.length < Math.max(max, SCAN_PAGE)) return { events, checkpoint: scanned };
      position = page.at(-1)!.event.position;
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    return new EsdbSubscription(this.client, {
      ...(options.fromCheckpoint ? { fromCheckpoint: options.fromCheckpoint } : {}),
      ...(options.filter ? { filter: options.filter } : {}),
    });
  }

  /**
   * EventStoreDB has no index by event id: this scans $all from the start, O(size of the log).
   * Only the dead-letter retry (an operator's command) calls it.
   */
  async readEventsById(eventIds: readonly string[]): Promise<EventEnvelope[]> {
    const wanted = new Set(eventIds);
    const found: EventEnvelope[] = [];
    let checkpoint: Checkpoint = START;
    while (wanted.size > 0) {
      const page = await this.readAllPage(toReadPosition(checkpoint), SCAN_PAGE);
      for (const resolved of page) {
        const recorded = resolved.event;
        if (!recorded || !isAfter(recorded.position, checkpoint) || !wanted.has(recorded.id)) continue;
        wanted.delete(recorded.id);
        found.push(toEnvelope(recorded));
      }
      if (page.length < SCAN_PAGE) break;
      checkpoint = toCheckpoint(page.at(-1)!.event.position);
    }
    return found;
  }

  private async readAllPage(fromPosition: ReadPosition, maxCount: number) {
    const page: (AllStreamResolvedEvent & { event: NonNullable<AllStreamResolvedEvent['event']> })[] = [];
    for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition, maxCount }))
      if (resolved.event) page.push({ ...resolved, event: resolved.event });
    return page;
  }

  private async lastEvent(streamId: string): Promise<EventEnvelope | undefined> {
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      }))
        if (resolved.event) return toEnvelope(resolved.event);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return undefined;
  }

  /** An empty append only checks the expectation, as the PostgreSQL store's does. */
  private async appendNothing(streamId: string, expected: ExpectedVersion): Promise<AppendResult> {
    const last = await this.lastEvent(streamId);
    const actual = last?.streamVersion ?? 0;
    if (!satisfies(expected, actual)) throw new WrongExpectedVersionError(streamId, expected, actual);
    const checkpoint = last?.checkpoint ?? START;
    return { streamId, nextExpectedVersion: actual, lastPosition: checkpoint.globalPosition, checkpoint };
  }
}
