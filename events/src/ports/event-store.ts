import type { Checkpoint, EventEnvelope, NewEvent } from '../envelope.js';
import { streamCategory } from '../streams.js';

/**
 * What a writer expects of a stream before appending: an exact version (the version of its last
 * event, 0 meaning "no stream"), that the stream does not exist yet, that it exists, or nothing.
 */
export type ExpectedVersion = number | 'no_stream' | 'stream_exists' | 'any';

export interface AppendResult {
  streamId: string;
  /** The stream's version after the append: the version of its last event. */
  nextExpectedVersion: number;
  /** Global position of the last appended event. */
  lastPosition: number;
  checkpoint: Checkpoint;
}

export interface StreamAppend {
  streamId: string;
  events: readonly NewEvent[];
  expectedVersion: ExpectedVersion;
}

export interface ReadStreamOptions {
  /** First stream version to read (inclusive), default 1. */
  from?: number;
  max?: number;
}

export interface EventFilter {
  /** Only streams of these categories (the part of the stream id before the first "-"). */
  categories?: readonly string[];
  excludeCategories?: readonly string[];
  eventTypes?: readonly string[];
}

/** Whether an event passes a filter: what a filtered read of the log returns. */
export function matchesFilter(
  filter: EventFilter | undefined,
  event: Pick<EventEnvelope, 'streamId' | 'type'>,
): boolean {
  if (!filter) return true;
  const category = streamCategory(event.streamId);
  if (filter.categories?.length && !filter.categories.includes(category)) return false;
  if (filter.excludeCategories?.includes(category)) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.type)) return false;
  return true;
}

export interface ReadAllOptions {
  /** Read events strictly after this checkpoint; default: from the start of the log. */
  fromPosition?: Checkpoint;
  max?: number;
  filter?: EventFilter;
}

export interface ReadAllResult {
  events: EventEnvelope[];
  /**
   * Where the next read continues. It can move past the last returned event when filtered-out
   * events were scanned, so a filtered reader does not rescan them.
   */
  checkpoint: Checkpoint;
}

export interface SubscribeOptions {
  /** Deliver events strictly after this checkpoint; default: the start of the log. */
  fromCheckpoint?: Checkpoint;
  filter?: EventFilter;
  /** Events fetched per read (default 500). */
  batchSize?: number;
}

/** Catches up from its checkpoint, then follows the live log; iterate it, then close it. */
export interface Subscription extends AsyncIterable<EventEnvelope> {
  close(): Promise<void>;
}

export interface EventStore {
  /** Appends all events or none; throws WrongExpectedVersionError on a version mismatch. */
  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult>;
  /** Appends to several streams atomically (all or nothing), each under its own expectation. */
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]>;
  readAll(options?: ReadAllOptions): Promise<ReadAllResult>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** The stored events with these ids (an idempotent retry finds what a first attempt appended). */
  readEventsById(eventIds: readonly string[]): Promise<EventEnvelope[]>;
}

export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** The stream's version when the append was refused; 0 when it does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, actual ${actual}`);
  }
}

export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly eventIds: readonly string[]) {
    super(`events already stored: ${eventIds.join(', ')}`);
  }
}
