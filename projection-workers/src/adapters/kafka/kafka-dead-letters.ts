import type { EventEnvelope } from '@meetings/events';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { DeadLetter, DeadLetterStore } from '../../ports/dead-letter-store.js';
import { dlqOf, topicForStream } from '../../relay/topics.js';
import { toMessage } from './event-message.js';
import type { KafkaCoordinates } from './kafka-event-source.js';

/**
 * Dead letters of a Kafka-driven projection: the event goes to `<topic>.dlq` as it was published,
 * with the error, the projection and its original coordinates in headers, and is recorded in the
 * PostgreSQL table too, which ops list and retry from (`npm run projections -- dead-letters`).
 */
export class KafkaDeadLetters implements DeadLetterStore {
  constructor(
    private readonly table: DeadLetterStore,
    private readonly producer: Producer,
    private readonly coordinatesOf: (eventId: string) => KafkaCoordinates | undefined,
  ) {}

  async record(projection: string, event: EventEnvelope, error: string, attempts: number): Promise<void> {
    const topic = topicForStream(event.streamId);
    const at = this.coordinatesOf(event.eventId);
    const message = toMessage(event);
    await this.producer.send({
      topic: dlqOf(at?.topic ?? topic ?? 'meeting.events.unknown'),
      acks: -1,
      messages: [
        {
          ...message,
          headers: { ...message.headers, ...deadLetterHeaders(projection, error, attempts, at) },
        },
      ],
    });
    await this.table.record(projection, event, error, attempts);
  }

  /** A message whose value is not an event: sent on to the DLQ byte for byte. */
  async unreadable(
    projection: string,
    at: KafkaCoordinates,
    message: KafkaMessage,
    error: string,
  ): Promise<void> {
    await this.producer.send({
      topic: dlqOf(at.topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: { ...message.headers, ...deadLetterHeaders(projection, error, 1, at) },
        },
      ],
    });
  }

  list(filter?: { projection?: string; status?: DeadLetter['status'] }): Promise<DeadLetter[]> {
    return this.table.list(filter);
  }

  get(id: number): Promise<DeadLetter | null> {
    return this.table.get(id);
  }

  markResolved(id: number): Promise<void> {
    return this.table.markResolved(id);
  }

  markFailedAgain(id: number, error: string): Promise<void> {
    return this.table.markFailedAgain(id, error);
  }
}

function deadLetterHeaders(projection: string, error: string, attempts: number, at?: KafkaCoordinates) {
  return {
    'dlq-error': error.slice(0, 2000),
    'dlq-projection': projection,
    'dlq-attempts': String(attempts),
    'dlq-failed-at': new Date().toISOString(),
    ...(at
      ? {
          'original-topic': at.topic,
          'original-partition': String(at.partition),
          'original-offset': at.offset,
        }
      : {}),
  };
}
