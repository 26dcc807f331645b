import { ConfigError, DatabaseUrl, LogLevel, parseConfig } from '@meetings/events';
import { metricsSettings } from '@meetings/command-service/http';
import { z } from 'zod';

const PositiveInt = z.coerce.number().int().positive();
/** An empty variable (`KAFKA_BROKERS=`) is an unset one. */
const Brokers = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .transform((s) => s.split(',').map((b) => b.trim()))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'host:port')).min(1))
    .optional(),
);

/** Every setting of the AI worker, read from the environment once at start (README, "AI tasks"). */
export const ConfigSchema = z
  .object({
    DATABASE_URL: DatabaseUrl,
    LOG_LEVEL: LogLevel,
    DB_POOL_SIZE: PositiveInt.default(4),
    /** Set: tasks go through Kafka's `meeting.tasks`; unset: the local queue over `ai_tasks`. */
    KAFKA_BROKERS: Brokers,
    KAFKA_CLIENT_ID: z.string().min(1).default('ai-worker'),
    /** The consumer group of every AI worker: each task message is handed to one of them. */
    KAFKA_GROUP_ID: z.string().min(1).default('ai-worker'),
    KAFKA_TOPIC_PARTITIONS: PositiveInt.default(6),
    /** Attempts of one task (a worker that died mid-attempt counts) before it is dead-lettered and failed. */
    AI_TASK_MAX_ATTEMPTS: PositiveInt.default(3),
    /** Pause before the second attempt; each next one doubles, up to AI_TASK_RETRY_MAX_MS. */
    AI_TASK_RETRY_BASE_MS: PositiveInt.default(1_000),
    AI_TASK_RETRY_MAX_MS: PositiveInt.default(30_000),
    /** Local queue: a claimed task not renewed this long (its worker died) is handed out again. */
    AI_TASK_LEASE_MS: z.coerce.number().int().min(300).default(30_000),
    /** How often an idle worker looks for a task, and the dispatcher for pending ones. */
    AI_TASK_POLL_INTERVAL_MS: PositiveInt.default(500),
    /** Kafka: pending tasks handed to `meeting.tasks` per dispatcher pass, highest priority first. */
    AI_TASK_DISPATCH_BATCH: PositiveInt.default(100),
    /** Where GET /metrics, /health/live and /health/ready listen (no auth: keep it private). */
    ...metricsSettings(9467),
  })
  .superRefine((c, ctx) => {
    if (c.AI_TASK_RETRY_MAX_MS < c.AI_TASK_RETRY_BASE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['AI_TASK_RETRY_MAX_MS'],
        message: 'below AI_TASK_RETRY_BASE_MS',
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export { ConfigError };

/** Parses the environment; a missing or wrong setting fails with one line naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(ConfigSchema, env);
}
