import type { EventEnvelope } from '@meetings/events';
import { Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import type { EventPublisher, PublishedOffset } from '../../relay/ports.js';
import { topicForStream } from '../../relay/topics.js';
import { toMessage } from './event-message.js';

/**
 * The relay's producer: idempotent (the broker drops a retried batch it already has, so a retry
 * inside one producer session never duplicates), one request in flight (so a retry cannot overtake
 * a later batch of the same partition), and every in-sync replica must acknowledge.
 * The default partitioner is wrapped to learn each message's partition, so a publish can answer
 * where the batch ended on each partition (its base offset there plus its message count).
 */
export class KafkaPublisher implements EventPublisher {
  private readonly producer: Producer;
  private readonly partitionOf = new WeakMap<Message, number>();

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: () => {
        const partition = Partitioners.DefaultPartitioner();
        return (args) => {
          const p = partition(args);
          this.partitionOf.set(args.message, p);
          return p;
        };
      },
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async publish(events: readonly EventEnvelope[]): Promise<readonly PublishedOffset[]> {
    const byTopic = new Map<string, TopicMessages>();
    for (const event of events) {
      const topic = topicForStream(event.streamId);
      if (!topic) throw new Error(`refusing to publish ${event.streamId}: a private stream`);
      const entry = byTopic.get(topic) ?? { topic, messages: [] };
      entry.messages.push(toMessage(event));
      byTopic.set(topic, entry);
    }
    if (byTopic.size === 0) return [];
    const sent = [...byTopic.values()];
    const results = await this.producer.sendBatch({ topicMessages: sent, acks: -1 });
    const counts = new Map<string, number>();
    for (const { topic, messages } of sent) {
      for (const message of messages) {
        const key = `${topic}\0${this.partitionOf.get(message)}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return results.flatMap((r) => {
      const count = counts.get(`${r.topicName}\0${r.partition}`);
      // A partition without a known count cannot be translated: read-your-writes then waits on
      // the relay's checkpoint alone for it, so fail loudly instead.
      if (count === undefined || r.baseOffset === undefined) {
        throw new Error(`no message count for ${r.topicName}/${r.partition}`);
      }
      return [
        { topic: r.topicName, partition: r.partition, endOffset: BigInt(r.baseOffset) + BigInt(count) },
      ];
    });
  }
}
