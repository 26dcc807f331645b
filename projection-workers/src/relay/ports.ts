import type { Checkpoint, EventEnvelope } from '@meetings/events';
import type { TopicSpec } from './topics.js';

/** Creates topics that do not exist yet (the admin API on a real Kafka). */
export interface TopicAdmin {
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
}

/** Where a published batch ended on one partition: the offset after its last message there. */
export interface PublishedOffset {
  topic: string;
  partition: number;
  endOffset: bigint;
}

/**
 * Publishes events in the order given; resolves once the broker acknowledged every one, with the
 * partitions the batch reached (a publisher that cannot tell resolves to nothing).
 */
export interface EventPublisher {
  publish(events: readonly EventEnvelope[]): Promise<readonly PublishedOffset[] | void>;
}

/**
 * Records, in the transaction that moves the relay's checkpoint, where a batch published after
 * checkpoint `from` ended on each partition (what read-your-writes translates positions with).
 */
export interface RelayOffsetLog<Tx> {
  record(tx: Tx, from: Checkpoint, offsets: readonly PublishedOffset[]): Promise<void>;
}

/** Held by one relay at a time; `lost` aborts when the holder can no longer be sure it holds it. */
export interface LeaderLock {
  acquire(signal: AbortSignal): Promise<{ lost: AbortSignal; release(): Promise<void> }>;
}

/**
 * Lets another process hold the relay still (a room-cache rebuild switching on the Kafka path):
 * the relay publishes and commits each batch inside `around`, which waits while it is held.
 */
export interface RelayGate {
  around<T>(work: () => Promise<T>): Promise<T>;
}
