/**
 * "A server we depend on is unreachable": PostgreSQL or Redis is down, restarting, refusing
 * connections or gone silent. Such a failure is nobody's mistake and passes by itself: an API
 * answers 503 with Retry-After, a worker waits and starts again, and nothing is dead-lettered.
 * Anything else (a constraint, a syntax error, a bug) is not an outage.
 *
 * The shapes are those the libraries really produce (see outage.unit.test.ts): Node's socket
 * errors, pg's and pg-pool's messages, PostgreSQL's SQLSTATEs, ioredis's errors.
 */

/** Node's socket errors (`code`, also ioredis's `errorno`). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL: admin shutdown (57P01: a terminated backend, a fast or immediate shutdown), crash
 * shutdown (57P02), cannot connect now (57P03: starting up, in recovery, shutting down), too many
 * connections (53300). Class 08 (connection exception) is matched by its prefix.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

const MESSAGES = [
  // pg: the socket closed under a query or a connection attempt (also "… due to connection timeout").
  /^Connection terminated/,
  // pg: a query on a client whose connection failed before.
  /^Client has encountered a connection error and is not queryable/,
  // pg.Client's own connectionTimeoutMillis.
  /^timeout expired$/,
  // pg-pool: no connection within connectionTimeoutMillis (the server is silent, or the pool is exhausted).
  /^timeout exceeded when trying to connect/,
  // ioredis: a command on a client that is not connected (and will not retry it).
  /^Connection is closed\.?$/,
  /^Stream isn't writeable and enableOfflineQueue options is false/,
  // ioredis: commandTimeout.
  /^Command timed out$/,
  // ioredis: the commands queued while reconnecting, flushed after maxRetriesPerRequest attempts.
  /^Reached the max retries per request limit/,
  // Redis: loading its dataset after a restart.
  /^LOADING /,
];

// The mongodb driver: no reachable server, a dropped connection, a pool cleared by one.
const ERROR_NAMES = new Set([
  'MaxRetriesPerRequestError',
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
]);

export function isOutage(error: unknown): boolean {
  return check(error, 0);
}

function check(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as {
    code?: unknown;
    errorno?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  for (const code of [e.code, e.errorno]) {
    if (typeof code !== 'string') continue;
    if (SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof e.name === 'string' && ERROR_NAMES.has(e.name)) return true;
  if (typeof e.message === 'string' && MESSAGES.some((pattern) => pattern.test(e.message as string))) {
    return true;
  }
  // Node's happy-eyeballs connect (several addresses) fails with an AggregateError of socket errors.
  if (Array.isArray(e.errors) && e.errors.some((inner) => check(inner, depth + 1))) return true;
  return e.cause !== undefined && check(e.cause, depth + 1);
}

/**
 * `promise`, or a rejection after `ms` (code ETIMEDOUT, so an outage): a readiness check must
 * answer promptly even when a server is silent rather than down.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: 'ETIMEDOUT' })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * ioredis options (spread them into a client's) for a Redis that may go away: while it is down,
 * a command fails within about a second (the commands queued while reconnecting are flushed with
 * MaxRetriesPerRequestError every second attempt, attempts at most 500 ms apart) instead of
 * hanging, and the client keeps reconnecting by itself, every 500 ms at most, for as long as it
 * takes. A silent server fails connections after 2 s and commands after 2 s.
 */
export const REDIS_OUTAGE_OPTIONS = {
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  commandTimeout: 2000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 500),
} as const;

/** What logging connection failures needs of a logger (pino's fits). */
export interface FailureLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * An `'error'` listener for a connection (a pool, a Redis client): a server away is expected in
 * operation and logged at warn; anything else at error. It never throws.
 */
export function logConnectionErrors(logger: FailureLogger, name: string) {
  return (error: Error): void => {
    if (isOutage(error)) logger.warn({ err: error, connection: name }, `${name} unreachable; reconnecting`);
    else logger.error({ err: error, connection: name }, `${name} connection error`);
  };
}
