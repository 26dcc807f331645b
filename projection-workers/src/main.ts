import { loadConfigOrExit } from '@meetings/events';
import {
  closeLogSinks,
  createMongo,
  createPool,
  logConnectionErrors,
  logDestination,
  REDIS_OUTAGE_OPTIONS,
  registerService,
} from '@meetings/db';
import { hostname } from 'node:os';
import { Etcd3 } from 'etcd3';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { kafkaLogCreator } from './adapters/kafka/kafka-log.js';
import { loadConfig, projectionSettings } from './config.js';
import { kafkaRunnerSources } from './adapters/kafka/kafka-runner-sources.js';
import { PostgresAppliedOffsets } from './adapters/postgres/postgres-applied-offsets.js';
import { PostgresDeadLetterStore } from './adapters/postgres/postgres-dead-letter-store.js';
import { createProjections, createRunners } from './projections.js';
import type { RunnerSources } from './projections.js';
import { startRetiredSweeper } from './rebuild/postgres/retired-sweeper.js';
import { ProjectionWorker } from './runner/projection-worker.js';
import { createMetrics } from '@meetings/command-service/http';
import { projectionMetrics } from './metrics/projection-metrics.js';
import { startWorkerHealth } from './metrics/worker-health.js';
import { kafkaConsumerLag } from './metrics/kafka-consumer-lag.js';
import { PUBLIC_CATEGORIES, topicOf } from './relay/topics.js';

const config = loadConfigOrExit('projection-workers', loadConfig);
const logger = pino(
  { level: config.LOG_LEVEL, base: { service: 'projection-workers' } },
  logDestination('projection-workers', config),
);
// Batches commit synchronously: a committed batch survives a crash (readers never see a read model
// go back in time), and on the Kafka path the offsets committed after it may rely on it. Measured
// at no cost (README, "Durability"): a catching-up batch is 2,000 events per WAL flush.
const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE }, logger);
const redis = new Redis(config.REDIS_URL, { ...REDIS_OUTAGE_OPTIONS, keyPrefix: config.REDIS_KEY_PREFIX });
redis.on('error', logConnectionErrors(logger, 'Redis'));
const etcd = config.ETCD_ENDPOINTS.length > 0 ? new Etcd3({ hosts: config.ETCD_ENDPOINTS }) : undefined;
// The analytics projection (MONGO_URL set; it creates its indexes when it starts). Connects lazily.
const mongo = config.MONGO_URL
  ? createMongo({ url: config.MONGO_URL, database: config.MONGO_DATABASE, appName: 'projection-workers' })
  : undefined;

const metrics = createMetrics('projection-workers');
const deps = {
  metrics: projectionMetrics(metrics),
  pool,
  redis,
  logger,
  ...projectionSettings(config),
  etcd,
  mongo: mongo?.db,
};
const wanted =
  config.PROJECTIONS === 'all' ? null : new Set(config.PROJECTIONS.split(',').map((s) => s.trim()));
const projections = createProjections(deps).filter((p) => !wanted || wanted.has(p.projector.name));
// The full profile: every projection consumes the Kafka topics the relay fills.
let dlqProducer: Producer | null = null;
let lagAdmin: Admin | null = null;
let sources: RunnerSources | undefined;
if (config.KAFKA_BROKERS) {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafka = new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: config.KAFKA_BROKERS,
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger),
  });
  // The consumer groups' lag in /metrics (kafka_consumer_lag_messages), read with the admin API.
  lagAdmin = kafka.admin();
  await lagAdmin.connect();
  kafkaConsumerLag(
    metrics,
    lagAdmin,
    projections
      .filter((p) => !p.readsLog)
      .map((p) => ({
        projection: p.projector.name,
        groupId: `${config.KAFKA_GROUP_PREFIX}${p.projector.name}`,
      })),
    PUBLIC_CATEGORIES.map(topicOf),
  );
  dlqProducer = kafka.producer();
  await dlqProducer.connect();
  sources = kafkaRunnerSources({
    kafka,
    producer: dlqProducer,
    table: new PostgresDeadLetterStore(pool),
    appliedOffsets: new PostgresAppliedOffsets(pool),
    logger,
    groupPrefix: config.KAFKA_GROUP_PREFIX,
    consumer: {
      sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: config.KAFKA_MAX_WAIT_MS,
    },
  });
}
const worker = new ProjectionWorker(createRunners(deps, projections, sources), logger);
worker.start();
// Generations switched out by `npm run projections -- rebuild` are dropped after their grace period.
const sweeper = startRetiredSweeper(pool, config.PROJECTION_RETIRED_GRACE_SECONDS, logger);
const health = await startWorkerHealth({
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  registry: metrics,
  pool,
  redis,
  readers: worker.runners,
  maxLagEvents: config.PROJECTION_READY_MAX_LAG_EVENTS,
  logger,
});
// No HTTP port: the registration says where the worker runs and what it projects.
const registration =
  config.ETCD_ENDPOINTS.length > 0
    ? await registerService(
        {
          endpoints: config.ETCD_ENDPOINTS,
          service: 'projection-workers',
          host: hostname(),
          port: 0,
          leaseTtlSeconds: config.ETCD_LEASE_TTL_SECONDS,
          metadata: { projections: projections.map((p) => p.projector.name) },
        },
        logger,
      )
    : null;
logger.info(
  {
    projections: projections.map((p) => p.projector.name),
    source: config.KAFKA_BROKERS ? 'kafka' : 'event store',
  },
  'projection-workers running',
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down: finishing batches');
    sweeper.stop();
    worker
      .stop()
      .then(() => health.close())
      .then(() => registration?.stop())
      .then(() => etcd?.close())
      .then(() =>
        Promise.allSettled([
          pool.end(),
          redis.quit(),
          dlqProducer?.disconnect(),
          lagAdmin?.disconnect(),
          mongo?.close(),
          closeLogSinks(),
        ]),
      )
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
