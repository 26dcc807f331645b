import { CommandHandler } from '@meetings/command-service/commands';
import { createMetrics, InstrumentedEventStore, startHealthServer } from '@meetings/command-service/http';
import { createPool, PostgresEventStore, withTimeout } from '@meetings/db';
import { createUpcasterRegistry } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import type { ConsumerConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaDispatcher } from './adapters/kafka/kafka-dispatcher.js';
import { kafkaLogCreator } from '@meetings/projection-workers';
import { KafkaTaskConsumer } from './adapters/kafka/kafka-task-consumer.js';
import { EventStoreHistory } from './adapters/postgres/event-store-history.js';
import { PostgresTaskQueue } from './adapters/postgres/postgres-task-queue.js';
import { defaultAnalyses } from './analyses/index.js';
import { LocalWorker } from './application/local-worker.js';
import { TaskRunner } from './application/task-runner.js';
import type { Config } from './config.js';
import type { Analysis } from './ports/analysis.js';
import type { Outcome } from './ports/task-queue.js';
import { aiWorkerMetrics } from './metrics/ai-worker-metrics.js';

export interface AiWorkerOptions {
  workerId: string;
  /** The analyses this worker runs (default: speaking_time and emotion_detection). */
  analyses?: readonly Analysis[];
  onOutcome?: (taskId: string, outcome: Outcome) => void;
  /** Kafka consumer timings (tests shorten them). */
  kafkaConsumer?: Omit<ConsumerConfig, 'groupId'>;
  sleep?: (ms: number) => Promise<void>;
}

export interface RunningAiWorker {
  /** The port of its /metrics, /health/live and /health/ready (METRICS_PORT; 0 picks one). */
  metricsPort: number;
  /** Finishes the task in hand, then releases every connection. */
  stop(): Promise<void>;
}

/**
 * Wires the worker: the event store and command handler, the analyses, and the transport: the
 * Kafka dispatcher and consumer when KAFKA_BROKERS is set, the local queue over `ai_tasks` otherwise.
 */
export async function startAiWorker(
  config: Config,
  logger: Logger,
  options: AiWorkerOptions,
): Promise<RunningAiWorker> {
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE }, logger);
  await pool.query('SELECT 1');
  const metrics = createMetrics('ai-worker');
  const counted = aiWorkerMetrics(metrics, pool);
  const onOutcome = (taskId: string, outcome: Outcome) => {
    counted(taskId, outcome);
    options.onOutcome?.(taskId, outcome);
  };
  const health = await startHealthServer({
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
    registry: metrics,
    logger,
    checkReady: () => withTimeout(pool.query('SELECT 1'), 1500, 'readiness').then(() => undefined),
  });
  const store = new InstrumentedEventStore(new PostgresEventStore(pool), metrics);
  const upcasters = createUpcasterRegistry();
  const runner = new TaskRunner({
    commands: new CommandHandler(store, upcasters, { maxAttempts: 10, cacheSize: 10_000 }),
    analyses: options.analyses ?? defaultAnalyses(),
    history: new EventStoreHistory(store, upcasters),
    workerId: options.workerId,
    maxAttempts: config.AI_TASK_MAX_ATTEMPTS,
    retryBaseMs: config.AI_TASK_RETRY_BASE_MS,
    retryMaxMs: config.AI_TASK_RETRY_MAX_MS,
    logger,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });

  if (config.KAFKA_BROKERS) {
    const kafka = new Kafka({
      clientId: config.KAFKA_CLIENT_ID,
      brokers: config.KAFKA_BROKERS,
      logLevel: logLevel.INFO,
      logCreator: kafkaLogCreator(logger),
    });
    const dispatcher = new KafkaDispatcher({
      pool,
      kafka,
      batchSize: config.AI_TASK_DISPATCH_BATCH,
      pollIntervalMs: config.AI_TASK_POLL_INTERVAL_MS,
      logger,
    });
    const consumer = new KafkaTaskConsumer({
      kafka,
      pool,
      runner,
      groupId: config.KAFKA_GROUP_ID,
      logger,
      ...(options.kafkaConsumer ? { consumer: options.kafkaConsumer } : {}),
      onOutcome,
    });
    await consumer.start();
    await dispatcher.start();
    logger.info({ queue: 'kafka', brokers: config.KAFKA_BROKERS }, 'ai-worker running');
    return {
      metricsPort: health.port,
      stop: async () => {
        await dispatcher.stop();
        await consumer.stop();
        await health.close();
        await pool.end();
      },
    };
  }

  const worker = new LocalWorker({
    queue: new PostgresTaskQueue(pool, config.AI_TASK_LEASE_MS),
    runner,
    workerId: options.workerId,
    leaseMs: config.AI_TASK_LEASE_MS,
    pollIntervalMs: config.AI_TASK_POLL_INTERVAL_MS,
    logger,
    onOutcome,
  });
  worker.start();
  logger.info({ queue: 'local' }, 'ai-worker running');
  return {
    metricsPort: health.port,
    stop: async () => {
      await worker.stop();
      await health.close();
      await pool.end();
    },
  };
}
