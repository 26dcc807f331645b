import { loadConfigOrExit } from '@meetings/events';
import { createMetrics, startHealthServer } from '@meetings/command-service/http';
import { ASYNC_COMMIT, createPool, withTimeout } from '@meetings/db';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { kafkaLogCreator } from '../adapters/kafka/kafka-log.js';
import { KafkaPublisher } from '../adapters/kafka/kafka-publisher.js';
import { KafkaTopicAdmin } from '../adapters/kafka/kafka-topic-admin.js';
import { loadRelayConfig } from './config.js';
import { topicLayout } from './topics.js';
import { postgresRelay } from './postgres-relay.js';
import { relayMetrics } from './relay-metrics.js';

const config = loadConfigOrExit('kafka-relay', loadRelayConfig);
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'kafka-relay' } });
// A lost checkpoint only republishes what Kafka already has, which consumers absorb.
const pool = createPool({ connectionString: config.DATABASE_URL, max: 3, ...ASYNC_COMMIT }, logger);
const kafka = new Kafka({
  clientId: config.KAFKA_CLIENT_ID,
  brokers: config.KAFKA_BROKERS,
  logLevel: logLevel.INFO,
  logCreator: kafkaLogCreator(logger),
});

await new KafkaTopicAdmin(kafka).ensureTopics(topicLayout(config.KAFKA_TOPIC_PARTITIONS));
const publisher = new KafkaPublisher(kafka);
await publisher.connect();
const relay = postgresRelay({
  pool,
  databaseUrl: config.DATABASE_URL,
  publisher,
  logger,
  batchSize: config.RELAY_BATCH_SIZE,
  pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
});

const metrics = createMetrics('kafka-relay');
relayMetrics(metrics, pool);
const health = await startHealthServer({
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  registry: metrics,
  logger,
  checkReady: () => withTimeout(pool.query('SELECT 1'), 1500, 'readiness').then(() => undefined),
});

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => controller.abort());
logger.info({ brokers: config.KAFKA_BROKERS }, 'kafka-relay running');
let exitCode = 0;
// A relay that fails (the broker or the database went away) starts over from its checkpoint.
while (!controller.signal.aborted) {
  try {
    await relay.run(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) break;
    logger.error({ err: error }, 'relay failed; restarting from its checkpoint');
    await new Promise((r) => setTimeout(r, 1000));
  }
}
await publisher.disconnect().catch(() => (exitCode = 1));
await health.close();
await pool.end();
logger.info('kafka-relay stopped');
process.exit(exitCode);
