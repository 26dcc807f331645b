import type { EventEnvelope } from '@meetings/events';
import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import type { EventPublisher } from '../../relay/ports.js';
import { topicForStream } from '../../relay/topics.js';
import { toMessage } from './event-message.js';

/**
 * The relay's producer: idempotent (the broker drops a retried batch it already has, so a retry
 * inside one producer session never duplicates), one request in flight (so a retry cannot overtake
 * a later batch of the same partition), and every in-sync replica must acknowledge.
 */
export class KafkaPublisher implements EventPublisher {
  private readonly producer: Producer;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    const byTopic = new Map<string, TopicMessages>();
    for (const event of events) {
      const topic = topicForStream(event.streamId);
      if (!topic) throw new Error(`refusing to publish ${event.streamId}: a private stream`);
      const entry = byTopic.get(topic) ?? { topic, messages: [] };
      entry.messages.push(toMessage(event));
      byTopic.set(topic, entry);
    }
    if (byTopic.size === 0) return;
    await this.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
  }
}
