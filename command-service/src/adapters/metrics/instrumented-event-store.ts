import { DuplicateEventIdError, WrongExpectedVersionError } from '@meetings/events';
import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  SubscribeOptions,
} from '@meetings/events';
import type { Registry } from 'prom-client';
import { counter, histogram, LATENCY_BUCKETS } from '../../http/metrics.js';

/**
 * The EventStore port with its appends timed and counted, whatever the adapter behind it
 * (PostgreSQL, EventStoreDB): `event_store_append_duration_seconds{operation, outcome}`,
 * `event_store_append_conflicts_total{operation}` and `event_store_appended_events_total`. Reads pass through.
 */
export class InstrumentedEventStore implements EventStore {
  private readonly duration;
  private readonly conflicts;
  private readonly appended;

  constructor(
    private readonly inner: EventStore,
    registry: Registry,
  ) {
    this.duration = histogram(registry, {
      name: 'event_store_append_duration_seconds',
      help: 'Time of an append to the event store, by operation and outcome (ok, conflict, duplicate, error)',
      labelNames: ['operation', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
    });
    this.conflicts = counter(registry, {
      name: 'event_store_append_conflicts_total',
      help: 'Appends refused because a stream was not at the expected version, by operation',
      labelNames: ['operation'] as const,
    });
    this.appended = counter(registry, {
      name: 'event_store_appended_events_total',
      help: 'Events appended to the event store',
    });
  }

  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult> {
    return this.timed('appendToStream', events.length, () =>
      this.inner.appendToStream(streamId, events, expectedVersion),
    );
  }

  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const count = appends.reduce((n, a) => n + a.events.length, 0);
    return this.timed('appendToStreams', count, () => this.inner.appendToStreams(appends));
  }

  readStream(streamId: string, options?: ReadStreamOptions) {
    return this.inner.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions) {
    return this.inner.readAll(options);
  }

  subscribeToAll(options?: SubscribeOptions) {
    return this.inner.subscribeToAll(options);
  }

  readEventsById(eventIds: readonly string[]) {
    return this.inner.readEventsById(eventIds);
  }

  private async timed<T>(operation: string, events: number, append: () => Promise<T>): Promise<T> {
    const end = this.duration.startTimer({ operation });
    try {
      const result = await append();
      end({ outcome: 'ok' });
      this.appended.inc(events);
      return result;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        end({ outcome: 'conflict' });
        this.conflicts.inc({ operation });
      } else end({ outcome: error instanceof DuplicateEventIdError ? 'duplicate' : 'error' });
      throw error;
    }
  }
}
