import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { KafkaPublisher } from '../adapters/kafka/kafka-publisher.js';
import { kafkaRunnerSources } from '../adapters/kafka/kafka-runner-sources.js';
import { PostgresAppliedOffsets } from '../adapters/postgres/postgres-applied-offsets.js';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { createProjections, createRunners } from '../projections.js';
import { postgresRelay } from '../relay/postgres-relay.js';
import { ProjectionWorker } from '../runner/projection-worker.js';
import { topicLayout } from '../relay/topics.js';
import { kafkaTestConfig } from './kafka-mock-broker.js';
import type { KafkaMockBroker } from './kafka-mock-broker.js';
import { MockTopicAdmin } from './mock-topic-admin.js';

export interface KafkaProfileOptions {
  kafka: Kafka;
  pool: pg.Pool;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Consumer groups are named under it: a fresh prefix reads every topic from the start. */
  groupPrefix: string;
  logger: Logger;
  /** False: only the projections run (a relay is started elsewhere); default true. */
  withRelay?: boolean;
}

/**
 * The full profile in this process: the relay ships the log to Kafka and every projection
 * consumes it in its own group. Resolves to the function that stops it all.
 */
export async function startKafkaProfile(options: KafkaProfileOptions): Promise<() => Promise<void>> {
  const { kafka, pool, logger } = options;
  const publisher = new KafkaPublisher(kafka);
  const dlqProducer = kafka.producer();
  await Promise.all([publisher.connect(), dlqProducer.connect()]);
  const stop = new AbortController();
  const relay = (options.withRelay ?? true) ? startRelay(options, publisher, stop.signal) : Promise.resolve();
  const redis = new Redis(options.redisUrl, { keyPrefix: options.redisPrefix });
  const deps = {
    pool,
    redis,
    redisKeyPrefix: options.redisPrefix,
    logger,
    batchSize: 500,
    pollIntervalMs: 10,
    maxAttempts: 3,
    notifyMaxAgeSeconds: 600,
  };
  const sources = kafkaRunnerSources({
    kafka,
    producer: dlqProducer,
    table: new PostgresDeadLetterStore(pool),
    appliedOffsets: new PostgresAppliedOffsets(pool),
    logger,
    groupPrefix: options.groupPrefix,
    consumer: kafkaTestConfig(),
  });
  const worker = new ProjectionWorker(createRunners(deps, createProjections(deps), sources), logger);
  worker.start();
  return async () => {
    stop.abort();
    await Promise.all([relay, worker.stop()]);
    await Promise.all([publisher.disconnect(), dlqProducer.disconnect()]);
    redis.disconnect();
  };
}

/** Creates the relay's topics (and their DLQs) on the mock broker, which has no admin API for it. */
export async function createRelayTopics(broker: KafkaMockBroker, partitions: number): Promise<void> {
  await new MockTopicAdmin(broker).ensureTopics(topicLayout(partitions));
}

/** The relay alone, until `signal` aborts (`stopped` resolves once it has). */
export async function startKafkaRelay(
  options: Pick<KafkaProfileOptions, 'kafka' | 'pool' | 'databaseUrl' | 'logger'>,
  signal: AbortSignal,
): Promise<{ stopped: Promise<void> }> {
  const publisher = new KafkaPublisher(options.kafka);
  await publisher.connect();
  return { stopped: startRelay(options, publisher, signal).finally(() => publisher.disconnect()) };
}

function startRelay(
  options: Pick<KafkaProfileOptions, 'pool' | 'databaseUrl' | 'logger'>,
  publisher: KafkaPublisher,
  signal: AbortSignal,
): Promise<void> {
  return postgresRelay({
    pool: options.pool,
    databaseUrl: options.databaseUrl,
    publisher,
    logger: options.logger,
    batchSize: 1000,
    pollIntervalMs: 10,
    lockRetryMs: 100,
  }).run(signal);
}
