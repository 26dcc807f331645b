import { ConfigError, DatabaseUrl, LogLevel, parseConfig } from '@meetings/events';
import { metricsSettings } from '@meetings/command-service/http';
import { z } from 'zod';
import { KafkaBrokers } from '../adapters/kafka/brokers-setting.js';

const PositiveInt = z.coerce.number().int().positive();

/** Every setting of the Kafka relay, read from the environment once at start. */
export const RelayConfigSchema = z.object({
  DATABASE_URL: DatabaseUrl,
  /** Comma-separated host:port list; the relay only runs with Kafka configured. */
  KAFKA_BROKERS: KafkaBrokers,
  KAFKA_CLIENT_ID: z.string().min(1).default('meetings-relay'),
  KAFKA_TOPIC_PARTITIONS: PositiveInt.default(6),
  RELAY_BATCH_SIZE: PositiveInt.default(500),
  RELAY_POLL_INTERVAL_MS: PositiveInt.default(20),
  /** Where GET /metrics, /health/live and /health/ready listen (no auth: keep it private). */
  ...metricsSettings(9465),
  LOG_LEVEL: LogLevel,
});

export type RelayConfig = z.infer<typeof RelayConfigSchema>;

export { ConfigError };

export function loadRelayConfig(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  return parseConfig(RelayConfigSchema, env);
}
