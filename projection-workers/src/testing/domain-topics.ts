import assert from 'node:assert/strict';
import { privateCategories } from '@meetings/events';
import type { EventEnvelope } from '@meetings/events';
import type { IHeaders, Kafka } from 'kafkajs';
import type pg from 'pg';
import { fromMessage } from '../adapters/kafka/event-message.js';
import { PUBLIC_CATEGORIES, topicOf } from '../relay/topics.js';
import { kafkaTestConfig } from './kafka-mock-broker.js';

/** How many events of the log the relay must publish: all but the private streams'. */
export async function publicEventCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM es_events WHERE split_part(stream_id, '-', 1) <> ALL($1::text[])`,
    [privateCategories],
  );
  return rows[0]!.n;
}

export interface Delivered {
  event: EventEnvelope;
  key: string | undefined;
  headers: IHeaders | undefined;
}

/**
 * Every message of the domain topics from the beginning, in the order a fresh consumer group got
 * them (partition order), until `until.messages` arrived or `until.events` distinct events did.
 */
export async function consumeDomainTopics(
  kafka: Kafka,
  until: { messages: number } | { events: number },
  timeoutMs = 120_000,
): Promise<Delivered[]> {
  const consumer = kafka.consumer({
    groupId: `domain-reader-${Date.now()}-${Math.random()}`,
    ...kafkaTestConfig(),
  });
  await consumer.connect();
  await consumer.subscribe({ topics: PUBLIC_CATEGORIES.map(topicOf), fromBeginning: true });
  const delivered: Delivered[] = [];
  const ids = new Set<string>();
  const enough = () => ('messages' in until ? delivered.length >= until.messages : ids.size >= until.events);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${delivered.length} messages, ${ids.size} events`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: ({ message }) => {
          const event = fromMessage(message.value);
          delivered.push({ event, key: message.key?.toString(), headers: message.headers });
          ids.add(event.eventId);
          if (enough()) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return delivered;
}

/**
 * Per stream, first deliveries come as versions 1, 2, 3… in order; anything else must be a
 * repeat of a version already delivered (a batch the relay published again after a crash).
 */
export function assertEachStreamInOrder(delivered: readonly Delivered[]): void {
  const high = new Map<string, number>();
  for (const { event } of delivered) {
    const seen = high.get(event.streamId) ?? 0;
    if (event.streamVersion <= seen) continue;
    assert.equal(
      event.streamVersion,
      seen + 1,
      `${event.streamId}: version ${event.streamVersion} after ${seen}`,
    );
    high.set(event.streamId, event.streamVersion);
  }
}
