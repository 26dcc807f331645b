import { privateCategories, streamCategory } from '@meetings/events';

/**
 * Kafka topic layout: one topic per public stream category under the seed's `meeting.` prefix,
 * `meeting.events.<category>` (user, meeting, media), keyed by stream id so that a stream stays in
 * one partition, in stream order. `<topic>.dlq` holds what a projector could not apply. Streams of
 * the write side's private categories (credentials, username and email reservations, meeting
 * passcode hashes) are never published.
 */
export const PUBLIC_CATEGORIES = ['user', 'meeting', 'media'] as const;

export const TOPIC_PREFIX = 'meeting.events.';

export const topicOf = (category: string): string => `${TOPIC_PREFIX}${category}`;

export const dlqOf = (topic: string): string => `${topic}.dlq`;

/** The topic an event of `streamId` is published to; null for streams that never leave the write side. */
export function topicForStream(streamId: string): string | null {
  const category = streamCategory(streamId);
  return privateCategories.includes(category) ? null : topicOf(category);
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

/** The domain topics and their dead-letter topics, with `partitions` each. */
export function topicLayout(partitions: number): TopicSpec[] {
  return PUBLIC_CATEGORIES.flatMap((c) => [
    { name: topicOf(c), partitions },
    { name: dlqOf(topicOf(c)), partitions },
  ]);
}
