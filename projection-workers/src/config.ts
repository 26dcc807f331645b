import { ConfigError, parseConfig, STORE_SETTINGS } from '@meetings/events';
import { ETCD_SETTINGS, MONGO_SETTINGS } from '@meetings/db';
import { metricsSettings } from '@meetings/command-service/http';
import { z } from 'zod';
import { KafkaBrokers } from './adapters/kafka/brokers-setting.js';

const PositiveInt = z.coerce.number().int().positive();

/** Every setting of the projection workers, read from the environment once at start. */
export const ConfigSchema = z.object({
  ...STORE_SETTINGS,
  DB_POOL_SIZE: PositiveInt.default(10),
  ...ETCD_SETTINGS,
  /** Set: the `mongo-analytics` projection runs, and warnings and errors also go to its `logs`. */
  ...MONGO_SETTINGS,
  PROJECTION_BATCH_SIZE: PositiveInt.default(2000),
  PROJECTION_POLL_INTERVAL_MS: PositiveInt.default(20),
  PROJECTION_MAX_ATTEMPTS: PositiveInt.default(3),
  NOTIFY_MAX_AGE_SECONDS: PositiveInt.default(600),
  /** Set: the projections read Kafka (the full profile) instead of the event store's log. */
  KAFKA_BROKERS: KafkaBrokers.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('meetings-projections'),
  /** Each projection's consumer group is this prefix and its name. */
  KAFKA_GROUP_PREFIX: z.string().min(1).default('meetings.projection.'),
  /** A consumer that stops heartbeating this long loses its partitions to the rest of its group. */
  KAFKA_SESSION_TIMEOUT_MS: PositiveInt.default(30_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: PositiveInt.default(3_000),
  /** Longest a fetch waits for new messages: the floor of the lag when the topics are quiet. */
  KAFKA_MAX_WAIT_MS: PositiveInt.default(100),
  /** Comma-separated projection names to run, or "all". */
  PROJECTIONS: z.string().min(1).default('all'),
  /** Where GET /metrics, /health/live and /health/ready listen (no auth: keep it private). */
  ...metricsSettings(9464),
  /** A projection more events than this behind the head of the log makes /health/ready 503. */
  PROJECTION_READY_MAX_LAG_EVENTS: z.coerce.number().int().min(0).default(10_000),
  /** A generation switched out by `rebuild` keeps its tables this long, then the worker drops them. */
  PROJECTION_RETIRED_GRACE_SECONDS: z.coerce.number().int().min(0).default(3_600),
  /** The batch size of a rebuild's bulk load (large: each row written as few times as possible). */
  PROJECTION_REBUILD_BULK_BATCH_SIZE: PositiveInt.default(20_000),
});

export type Config = z.infer<typeof ConfigSchema>;

export { ConfigError };

/** Parses the environment; a missing or wrong setting fails with one line naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(ConfigSchema, env);
}

/** What createProjections takes from the settings; the connections come from the caller. */
export function projectionSettings(config: Config) {
  return {
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    batchSize: config.PROJECTION_BATCH_SIZE,
    pollIntervalMs: config.PROJECTION_POLL_INTERVAL_MS,
    maxAttempts: config.PROJECTION_MAX_ATTEMPTS,
    notifyMaxAgeSeconds: config.NOTIFY_MAX_AGE_SECONDS,
  };
}
