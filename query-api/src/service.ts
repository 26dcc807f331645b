import { RedisSessionStore } from '@meetings/command-service/sessions';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { meetingRoutes } from './http/routes/meeting-routes.js';
import { reportRoutes } from './http/routes/report-routes.js';
import { roomRoutes } from './http/routes/room-routes.js';
import type { Logger } from './logger.js';
import { ActivityReader } from './read/activity-reader.js';
import { MeetingsReader } from './read/meetings-reader.js';
import { ProjectionCheckpoints } from './read/projections.js';
import { ReadYourWrites } from './read/read-your-writes.js';
import { ReportsReader } from './read/reports-reader.js';
import { RoomCache } from './rooms/room-cache.js';
import { RoomHub } from './rooms/room-hub.js';
import { RoomSocketServer } from './ws/room-socket-server.js';

export interface RunningService {
  port: number;
  close(): Promise<void>;
}

/** Wires the readers into the HTTP and WebSocket edges and starts listening. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE });
  pool.on('error', (error) => logger.error({ err: error }, 'idle PostgreSQL connection failed'));
  const redisOptions = { lazyConnect: true, maxRetriesPerRequest: 2 };
  const redis = new Redis(config.REDIS_URL, { ...redisOptions, keyPrefix: config.REDIS_KEY_PREFIX });
  // Subscriber mode takes a connection of its own; channels carry the prefix explicitly.
  const subscriber = new Redis(config.REDIS_URL, redisOptions);
  for (const [name, client] of [
    ['Redis', redis],
    ['Redis subscriber', subscriber],
  ] as const) {
    client.on('error', (error) => logger.error({ err: error }, `${name} connection error`));
  }
  await Promise.all([redis.connect(), subscriber.connect(), pool.query('SELECT 1')]);

  const sessions = new RedisSessionStore(redis, config.SESSION_TTL_SECONDS);
  const meetings = new MeetingsReader(pool);
  const rooms = new RoomCache(redis);
  const hub = new RoomHub(subscriber, config.REDIS_KEY_PREFIX, logger);
  // The read-your-writes poller's own connection: waiting reads must not queue it behind them.
  const pollerPool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 1 });
  pollerPool.on('error', (error) => logger.error({ err: error }, 'idle PostgreSQL connection failed'));
  const readYourWrites = new ReadYourWrites(new ProjectionCheckpoints(pollerPool, redis), {
    timeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
  });

  const app = createApp({
    routes: [
      ...meetingRoutes(meetings, new ActivityReader(pool)),
      ...reportRoutes(new ReportsReader(pool)),
      ...roomRoutes(meetings, rooms),
    ],
    sessions,
    readYourWrites,
    logger,
    checkReady: async () => {
      await Promise.all([pool.query('SELECT 1'), redis.ping()]);
      if (subscriber.status !== 'ready') throw new Error(`Redis subscriber is ${subscriber.status}`);
    },
  });

  const server = app.listen(config.PORT, config.HOST);
  const sockets = new RoomSocketServer({ sessions, meetings, rooms, hub, logger, maxSubscriptions: 100 });
  sockets.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, 'query-api listening');

  return {
    port,
    close: async () => {
      // Stop accepting, say goodbye to WebSocket clients, let in-flight queries finish, release.
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await sockets.close();
      server.closeIdleConnections();
      await httpClosed;
      await Promise.allSettled([pool.end(), pollerPool.end(), redis.quit(), subscriber.quit()]);
    },
  };
}
