import {
  HEADERS_WITHIN_REQUEST,
  headersWithinRequest,
  HTTP_TIMEOUT_SETTINGS,
} from '@meetings/command-service/http';
import { ConfigError, CorsOrigins, parseConfig, STORE_SETTINGS } from '@meetings/events';
import { ETCD_SETTINGS, MONGO_SETTINGS } from '@meetings/db';
import { STORAGE_KEYS_GIVEN, STORAGE_SETTINGS, storageKeysGiven } from '@meetings/storage';
import { z } from 'zod';

const Port = z.coerce.number().int().min(0).max(65535);
const PositiveInt = z.coerce.number().int().positive();

/** Every setting of the query API, read from the environment once at start. */
export const ConfigSchema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: Port.default(3001),
    ...STORE_SETTINGS,
    DB_POOL_SIZE: PositiveInt.default(10),
    ...ETCD_SETTINGS,
    ...MONGO_SETTINGS,
    /** The sliding lifetime a request refreshes a session to: keep it equal to the command service's. */
    SESSION_TTL_SECONDS: PositiveInt.default(3600),
    /** How long a request with `minPosition` waits for the projections before answering 503. */
    READ_YOUR_WRITES_TIMEOUT_MS: PositiveInt.max(60_000).default(2000),
    /** How often open WebSockets check that their sessions still exist (closed with 4401 if not). */
    WS_SESSION_CHECK_MS: PositiveInt.min(100).max(60_000).default(500),
    /**
     * Without etcd, how long this node counts as alive after its last heartbeat (a Redis key it
     * renews every third of it); with etcd its registration's lease does that (ETCD_LEASE_TTL_SECONDS).
     */
    NODE_HEARTBEAT_TTL_SECONDS: z.coerce.number().int().min(2).max(3600).default(10),
    /** How often one node closes the signaling sessions of nodes whose heartbeat lapsed. */
    SIGNALING_SWEEP_INTERVAL_MS: PositiveInt.min(100).max(600_000).default(5000),
    CORS_ORIGINS: CorsOrigins,
    ...HTTP_TIMEOUT_SETTINGS,
    // Files (README "Files (object storage)"): presigned download URLs; none without S3_ENDPOINT.
    ...STORAGE_SETTINGS,
    PRESIGNED_URL_TTL_SECONDS: PositiveInt.max(7 * 24 * 3600).default(300),
  })
  .refine(headersWithinRequest, HEADERS_WITHIN_REQUEST)
  .refine(storageKeysGiven, STORAGE_KEYS_GIVEN);

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
