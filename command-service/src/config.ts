import { ConfigError, CorsOrigins, parseConfig, STORE_SETTINGS } from '@meetings/events';
import {
  ETCD_SETTINGS,
  EVENT_STORE_SETTINGS,
  EVENTSTORE_URL_GIVEN,
  eventStoreUrlGiven,
  MONGO_SETTINGS,
} from '@meetings/db';
import { STORAGE_KEYS_GIVEN, STORAGE_SETTINGS, storageKeysGiven } from '@meetings/storage';
import { z } from 'zod';
import {
  HEADERS_WITHIN_REQUEST,
  headersWithinRequest,
  HTTP_TIMEOUT_SETTINGS,
} from './http/server-settings.js';

const Port = z.coerce.number().int().min(0).max(65535);
const PositiveInt = z.coerce.number().int().positive();

/** Every setting of the command service, read from the environment once at start. */
export const ConfigSchema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: Port.default(3000),
    ...STORE_SETTINGS,
    DB_POOL_SIZE: PositiveInt.default(10),
    ...ETCD_SETTINGS,
    ...EVENT_STORE_SETTINGS,
    ...MONGO_SETTINGS,
    SESSION_TTL_SECONDS: PositiveInt.default(3600),
    BODY_LIMIT_BYTES: PositiveInt.default(64 * 1024),
    IDEMPOTENCY_TTL_SECONDS: PositiveInt.default(24 * 3600),
    LOGIN_MAX_FAILURES: PositiveInt.default(10),
    LOGIN_LOCKOUT_SECONDS: PositiveInt.default(900),
    // OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane).
    PASSWORD_HASH_MEMORY_KIB: PositiveInt.default(19456),
    PASSWORD_HASH_TIME_COST: PositiveInt.default(2),
    // A burst of N writers on one stream needs up to N decisions for the last one to land.
    COMMAND_MAX_ATTEMPTS: PositiveInt.default(20),
    // Stream state kept between commands, counted in events (0 reads every stream whole, every time).
    COMMAND_CACHE_EVENTS: z.coerce.number().int().min(0).default(200_000),
    // Commands per user and window (0: no limit); far above what a person clicks, it stops scripts.
    RATE_LIMIT_COMMANDS: z.coerce.number().int().min(0).default(600),
    RATE_LIMIT_WINDOW_SECONDS: PositiveInt.default(60),
    CORS_ORIGINS: CorsOrigins,
    ...HTTP_TIMEOUT_SETTINGS,
    // Files (README "Files (object storage)"); with no S3_ENDPOINT the file endpoints answer 503.
    ...STORAGE_SETTINGS,
    AVATAR_MAX_BYTES: PositiveInt.default(2 * 1024 * 1024),
    DOCUMENT_MAX_BYTES: PositiveInt.default(50 * 1024 * 1024),
    TEMP_UPLOAD_MAX_AGE_SECONDS: PositiveInt.default(24 * 3600),
    TEMP_UPLOAD_SWEEP_INTERVAL_SECONDS: PositiveInt.default(3600),
  })
  .refine(headersWithinRequest, HEADERS_WITHIN_REQUEST)
  .refine(storageKeysGiven, STORAGE_KEYS_GIVEN)
  .refine(eventStoreUrlGiven, EVENTSTORE_URL_GIVEN)
  // Registration appends the user with its username/email reservation streams atomically, which
  // EventStoreDB cannot do (README "EventStoreDB"): refused at start rather than failing per request.
  .refine((c) => c.EVENT_STORE !== 'eventstoredb', {
    message:
      'EVENT_STORE=eventstoredb is not supported by the command service: registration needs an atomic ' +
      'append to several streams (the user and its username/email reservations), which EventStoreDB ' +
      'cannot do; see README "EventStoreDB"',
    path: ['EVENT_STORE'],
  });

export type Config = z.infer<typeof ConfigSchema>;

export { ConfigError };

/** Parses the environment; a missing or wrong setting fails with one line naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(ConfigSchema, env);
}

/** The node HTTP server's timeouts. */
export function httpTimeouts(config: Config) {
  return {
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
}
