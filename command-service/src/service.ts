import { createUpcasterRegistry } from '@meetings/events';
import {
  ASYNC_COMMIT,
  createPool,
  loadBlindIndex,
  registerService,
  logConnectionErrors,
  PostgresEventStore,
  PostgresPersonalDataVault,
  REDIS_OUTAGE_OPTIONS,
  withTimeout,
} from '@meetings/db';
import { Redis } from 'ioredis';
import { Argon2PasswordHasher } from './adapters/argon2/argon2-password-hasher.js';
import { PostgresIdempotencyStore } from './adapters/postgres/postgres-idempotency-store.js';
import { RedisCommandRateLimiter } from './adapters/redis/redis-command-rate-limiter.js';
import { RedisPasscodeThrottle } from './adapters/redis/redis-passcode-throttle.js';
import { RedisLoginThrottle, RedisSessionStore } from './adapters/redis/redis-session-store.js';
import { AccountDirectory } from './application/account-directory.js';
import { AccountLifecycle } from './application/account-lifecycle.js';
import { AccountService } from './application/account-service.js';
import { CommandHandler } from './application/command-handler.js';
import { MeetingPasscodes } from './application/meeting-passcodes.js';
import { httpTimeouts } from './config.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { createHttpServer } from './http/server.js';
import { createMetrics } from './http/metrics.js';
import { InstrumentedEventStore } from './adapters/metrics/instrumented-event-store.js';
import { accountRoutes } from './http/routes/account-routes.js';
import { aiTaskRoutes } from './http/routes/ai-task-routes.js';
import { configRoutes } from './http/routes/config-routes.js';
import { meetingAccessRoutes } from './http/routes/meeting-access-routes.js';
import { meetingRoutes } from './http/routes/meeting-routes.js';
import { startFiles } from './files.js';
import type { Logger } from './logger.js';

/** Longest a readiness check waits for PostgreSQL and Redis before answering 503. */
const READY_TIMEOUT_MS = 1500;

export interface RunningService {
  port: number;
  close(): Promise<void>;
}

/** Wires the adapters into the application and starts listening. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE }, logger);
  const redis = new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    lazyConnect: true,
    ...REDIS_OUTAGE_OPTIONS,
  });
  redis.on('error', logConnectionErrors(logger, 'Redis'));
  await Promise.all([redis.connect(), pool.query('SELECT 1')]);

  const metrics = createMetrics('command-service');
  const store = new InstrumentedEventStore(new PostgresEventStore(pool), metrics);
  const vault = new PostgresPersonalDataVault(pool);
  const commands = new CommandHandler(store, createUpcasterRegistry(), {
    maxAttempts: config.COMMAND_MAX_ATTEMPTS,
    cacheSize: config.COMMAND_CACHE_EVENTS,
    vault,
  });
  const sessions = new RedisSessionStore(redis, config.SESSION_TTL_SECONDS);
  const hasher = new Argon2PasswordHasher(config.PASSWORD_HASH_MEMORY_KIB, config.PASSWORD_HASH_TIME_COST);
  const directory = new AccountDirectory(store, await loadBlindIndex(pool));
  const accounts = new AccountService(
    store,
    commands,
    directory,
    hasher,
    sessions,
    new RedisLoginThrottle(redis, config.LOGIN_MAX_FAILURES, config.LOGIN_LOCKOUT_SECONDS),
  );
  const files = await startFiles(config, { commands, sessions, redis, logger });
  const lifecycle = new AccountLifecycle(commands, directory, hasher, sessions, vault, files.erasers);
  // Wrong passcodes are throttled with the log-in limits: both guard a secret against guessing.
  const passcodes = new MeetingPasscodes(
    store,
    commands,
    hasher,
    new RedisPasscodeThrottle(redis, config.LOGIN_MAX_FAILURES, config.LOGIN_LOCKOUT_SECONDS),
  );
  // A request with an Idempotency-Key holds one of these connections while it runs: its claim is
  // an advisory lock that ends with the connection. Claims commit asynchronously (one lost in a
  // crash went with the connection holding it); answers commit synchronously (see the store).
  const idempotencyPool = createPool(
    { connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE, ...ASYNC_COMMIT },
    logger,
    'idempotency',
  );
  const idempotency = new PostgresIdempotencyStore(idempotencyPool, config.IDEMPOTENCY_TTL_SECONDS);

  const app = createApp({
    routes: [
      ...accountRoutes(accounts, lifecycle, commands),
      ...meetingRoutes(commands, passcodes),
      ...meetingAccessRoutes(commands, passcodes),
      ...configRoutes(commands),
      ...aiTaskRoutes(commands),
      ...files.routes,
    ],
    rawBodyRoutes: files.rawBodyRoutes,
    sessions,
    idempotency,
    ...(config.RATE_LIMIT_COMMANDS > 0
      ? {
          rateLimiter: new RedisCommandRateLimiter(
            redis,
            config.RATE_LIMIT_COMMANDS,
            config.RATE_LIMIT_WINDOW_SECONDS,
          ),
        }
      : {}),
    logger,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    corsOrigins: config.CORS_ORIGINS,
    // Answers within READY_TIMEOUT_MS even while a server is silent; ready again once both answer.
    checkReady: async () => {
      await withTimeout(Promise.all([pool.query('SELECT 1'), redis.ping()]), READY_TIMEOUT_MS, 'readiness');
    },
  });

  const purge = setInterval(() => {
    idempotency
      .purgeExpired()
      .catch((error: unknown) => logger.warn({ err: error }, 'idempotency purge failed'));
  }, 3600_000);
  purge.unref();

  const server = createHttpServer(app, httpTimeouts(config), logger);
  server.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, 'command-service listening');
  const registration =
    config.ETCD_ENDPOINTS.length > 0
      ? await registerService(
          {
            endpoints: config.ETCD_ENDPOINTS,
            service: 'command-service',
            host: config.HOST,
            port,
            leaseTtlSeconds: config.ETCD_LEASE_TTL_SECONDS,
          },
          logger,
        )
      : null;

  return {
    port,
    close: async () => {
      clearInterval(purge);
      files.stop();
      await registration?.stop();
      // Stop accepting, let in-flight commands finish, then release connections.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([pool.end(), idempotencyPool.end(), redis.quit()]);
    },
  };
}
