import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { KafkaPublisher } from '../adapters/kafka/kafka-publisher.js';
import { kafkaRunnerSources } from '../adapters/kafka/kafka-runner-sources.js';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { createProjections, createRunners } from '../projections.js';
import { postgresRelay } from '../relay/postgres-relay.js';
import { ProjectionWorker } from '../runner/projection-worker.js';
import { kafkaTestConfig } from './kafka-mock-broker.js';

export interface KafkaProfileOptions {
  kafka: Kafka;
  pool: pg.Pool;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Consumer groups are named under it: a fresh prefix reads every topic from the start. */
  groupPrefix: string;
  logger: Logger;
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
  const relay = postgresRelay({
    pool,
    databaseUrl: options.databaseUrl,
    publisher,
    logger,
    batchSize: 1000,
    pollIntervalMs: 10,
    lockRetryMs: 100,
  }).run(stop.signal);
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
