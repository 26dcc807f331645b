import { after, before } from 'node:test';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { topicLayout } from '../relay/topics.js';
import { startKafkaMockBroker } from './kafka-mock-broker.js';
import type { KafkaMockBroker } from './kafka-mock-broker.js';
import { MockTopicAdmin } from './mock-topic-admin.js';

export interface KafkaTestbed {
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  readonly broker: KafkaMockBroker;
  readonly kafka: Kafka;
}

/**
 * For a test file on librdkafka's mock broker (a stand-in: no real Kafka runs here): a test
 * database and a broker with the relay's topics in `partitions` partitions, made before the
 * file's tests and removed after them. Read the fields inside tests, once `before` has run.
 */
export function useKafkaTestbed(options: {
  clientId: string;
  partitions: number;
  poolSize: number;
}): KafkaTestbed {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const bed = {} as { -readonly [K in keyof KafkaTestbed]: KafkaTestbed[K] };
  before(async () => {
    [bed.db, bed.broker] = await Promise.all([createTestDatabase(), startKafkaMockBroker()]);
    bed.pool = new pg.Pool({ connectionString: bed.db.url, max: options.poolSize });
    bed.pool.on('error', () => undefined);
    await new MockTopicAdmin(bed.broker).ensureTopics(topicLayout(options.partitions));
    bed.kafka = new Kafka({
      clientId: options.clientId,
      brokers: bed.broker.brokers,
      logLevel: logLevel.NOTHING,
    });
  });
  after(async () => {
    await bed.pool.end();
    await Promise.all([bed.db.drop(), bed.broker.stop()]);
  });
  return bed;
}
