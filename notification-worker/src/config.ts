import { ConfigError, parseConfig, STORE_SETTINGS } from '@meetings/events';
import { MONGO_SETTINGS } from '@meetings/db';
import { metricsSettings } from '@meetings/command-service/http';
import { z } from 'zod';

const PositiveInt = z.coerce.number().int().positive();
/** 'true'/'1' or 'false'/'0'; z.coerce.boolean would read 'false' as true. */
/** An empty variable (`SMTP_HOST=`) is an unset one. */
const Optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());
const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every setting of the notification worker, read from the environment once at start. */
export const ConfigSchema = z
  .object({
    ...STORE_SETTINGS,
    ...MONGO_SETTINGS,
    /** One connection per address looked up at a time; the worker sends one job at a time. */
    DB_POOL_SIZE: PositiveInt.default(2),
    /** Unset: no mail is sent, each email job is logged and acknowledged. */
    SMTP_HOST: Optional,
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
    SMTP_FROM: Optional,
    SMTP_USER: Optional,
    SMTP_PASSWORD: Optional,
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    SMTP_SECURE: Flag.default(false),
    /** Refuse to send unless STARTTLS succeeds. */
    SMTP_REQUIRE_TLS: Flag.default(false),
    /** Never STARTTLS, even when offered (a local relay without a certificate). */
    SMTP_IGNORE_TLS: Flag.default(false),
    /** Longest wait for the connection, the greeting and each SMTP answer. */
    SMTP_TIMEOUT_MS: PositiveInt.default(10_000),
    /** Sends of one job before it goes to the dead list. */
    NOTIFY_MAX_ATTEMPTS: PositiveInt.default(5),
    /** Pause before the first retry; each next one doubles, up to NOTIFY_RETRY_MAX_MS. */
    NOTIFY_RETRY_BASE_MS: PositiveInt.default(2_000),
    NOTIFY_RETRY_MAX_MS: PositiveInt.default(300_000),
    /** A worker not heard of this long is dead: another takes back the jobs it held. */
    NOTIFY_HEARTBEAT_TTL_MS: z.coerce.number().int().min(300).default(15_000),
    /** Where GET /metrics, /health/live and /health/ready listen (no auth: keep it private). */
    ...metricsSettings(9466),
  })
  .superRefine((c, ctx) => {
    if (c.SMTP_HOST && !c.SMTP_FROM) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_FROM'], message: 'required with SMTP_HOST' });
    }
    if (!c.SMTP_USER !== !c.SMTP_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_PASSWORD'],
        message: 'SMTP_USER and SMTP_PASSWORD go together',
      });
    }
    if (c.SMTP_REQUIRE_TLS && c.SMTP_IGNORE_TLS) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_IGNORE_TLS'], message: 'contradicts SMTP_REQUIRE_TLS' });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export { ConfigError };

/** Parses the environment; a missing or wrong setting fails with one line naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(ConfigSchema, env);
}
