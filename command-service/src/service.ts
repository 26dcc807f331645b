import { createUpcasterRegistry } from '@meetings/events';
import { ASYNC_COMMIT, PostgresEventStore } from '@meetings/db';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Argon2PasswordHasher } from './adapters/argon2/argon2-password-hasher.js';
import { PostgresIdempotencyStore } from './adapters/postgres/postgres-idempotency-store.js';
import { RedisLoginThrottle, RedisSessionStore } from './adapters/redis/redis-session-store.js';
import { AccountService } from './application/account-service.js';
import { CommandHandler } from './application/command-handler.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { accountRoutes } from './http/routes/account-routes.js';
import { meetingRoutes } from './http/routes/meeting-routes.js';
import type { Logger } from './logger.js';

export interface RunningService {
  port: number;
  close(): Promise<void>;
}

/** Wires the adapters into the application and starts listening. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE });
  pool.on('error', (error) => logger.error({ err: error }, 'idle PostgreSQL connection failed'));
  const redis = new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  redis.on('error', (error) => logger.error({ err: error }, 'Redis connection error'));
  await Promise.all([redis.connect(), pool.query('SELECT 1')]);

  const store = new PostgresEventStore(pool);
  const commands = new CommandHandler(store, createUpcasterRegistry(), {
    maxAttempts: config.COMMAND_MAX_ATTEMPTS,
    cacheSize: config.COMMAND_CACHE_EVENTS,
  });
  const sessions = new RedisSessionStore(redis, config.SESSION_TTL_SECONDS);
  const accounts = new AccountService(
    store,
    commands,
    new Argon2PasswordHasher(config.PASSWORD_HASH_MEMORY_KIB, config.PASSWORD_HASH_TIME_COST),
    sessions,
    new RedisLoginThrottle(redis, config.LOGIN_MAX_FAILURES, config.LOGIN_LOCKOUT_SECONDS),
  );
  // A lost claim or answer is rebuilt from the stream (deterministic ids, the events' keys): no
  // need to wait for the WAL flush, nor to hold back global-log readers meanwhile.
  const idempotencyPool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: Math.max(2, Math.ceil(config.DB_POOL_SIZE / 2)),
    ...ASYNC_COMMIT,
  });
  idempotencyPool.on('error', (error) => logger.error({ err: error }, 'idle PostgreSQL connection failed'));
  const idempotency = new PostgresIdempotencyStore(idempotencyPool, config.IDEMPOTENCY_TTL_SECONDS);

  const app = createApp({
    routes: [...accountRoutes(accounts, commands), ...meetingRoutes(commands)],
    sessions,
    idempotency,
    logger,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    checkReady: async () => {
      await Promise.all([pool.query('SELECT 1'), redis.ping()]);
    },
  });

  const purge = setInterval(() => {
    idempotency
      .purgeExpired()
      .catch((error: unknown) => logger.warn({ err: error }, 'idempotency purge failed'));
  }, 3600_000);
  purge.unref();

  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, 'command-service listening');

  return {
    port,
    close: async () => {
      clearInterval(purge);
      // Stop accepting, let in-flight commands finish, then release connections.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([pool.end(), idempotencyPool.end(), redis.quit()]);
    },
  };
}
