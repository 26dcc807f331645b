import type { EventEnvelope } from '@meetings/events';
import type { TopicSpec } from './topics.js';

/** Creates topics that do not exist yet (the admin API on a real Kafka). */
export interface TopicAdmin {
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
}

/** Publishes events in the order given; resolves once the broker acknowledged every one. */
export interface EventPublisher {
  publish(events: readonly EventEnvelope[]): Promise<void>;
}

/** Held by one relay at a time; `lost` aborts when the holder can no longer be sure it holds it. */
export interface LeaderLock {
  acquire(signal: AbortSignal): Promise<{ lost: AbortSignal; release(): Promise<void> }>;
}
