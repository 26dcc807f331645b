import type { ConsumerConfig, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { AppliedOffsets } from '../../ports/applied-offsets.js';
import type { DeadLetterStore } from '../../ports/dead-letter-store.js';
import type { RunnerSources } from '../../projections.js';
import { PUBLIC_CATEGORIES, topicOf } from '../../relay/topics.js';
import { KafkaDeadLetters } from './kafka-dead-letters.js';
import { KafkaEventSource } from './kafka-event-source.js';

export interface KafkaRunnerSourcesOptions {
  kafka: Kafka;
  /** Sends dead letters to the DLQ topics. */
  producer: Producer;
  /** Dead letters are also recorded here, for ops. */
  table: DeadLetterStore;
  logger: Logger;
  /** Consumer group of projection `p`: `<groupPrefix><p>`. */
  groupPrefix?: string;
  consumer?: Partial<ConsumerConfig>;
  /** Given: each projection's applied offsets are recorded there (read-your-writes). */
  appliedOffsets?: AppliedOffsets;
}

/** Every projection reads the domain topics in a consumer group of its own, and dead-letters to the DLQs. */
export function kafkaRunnerSources(options: KafkaRunnerSourcesOptions): RunnerSources {
  const sources = new Map<string, KafkaEventSource>();
  const deadLetters = new Map<string, KafkaDeadLetters>();
  const deadLettersFor = (projection: string): KafkaDeadLetters => {
    let store = deadLetters.get(projection);
    if (!store) {
      store = new KafkaDeadLetters(options.table, options.producer, (eventId) =>
        sources.get(projection)?.coordinates.get(eventId),
      );
      deadLetters.set(projection, store);
    }
    return store;
  };
  const sourceFor = (projection: string): KafkaEventSource => {
    let source = sources.get(projection);
    if (!source) {
      source = new KafkaEventSource(options.kafka, {
        groupId: `${options.groupPrefix ?? 'meetings.projection.'}${projection}`,
        topics: PUBLIC_CATEGORIES.map(topicOf),
        logger: options.logger,
        ...(options.consumer ? { consumer: options.consumer } : {}),
        onUnreadable: (at, message, error) =>
          deadLettersFor(projection).unreadable(projection, at, message, error),
        ...(options.appliedOffsets
          ? {
              onApplied: (topic: string, partition: number, next: bigint) =>
                options.appliedOffsets!.record(projection, topic, partition, next),
            }
          : {}),
      });
      sources.set(projection, source);
    }
    return source;
  };
  return { sourceFor, deadLettersFor };
}
