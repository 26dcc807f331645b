import { randomUUID } from 'node:crypto';
import {
  createHttpServer,
  createMetrics,
  InstrumentedEventStore,
  websocketGauge,
} from '@meetings/command-service/http';
import { RedisSessionStore } from '@meetings/command-service/sessions';
import {
  createMongo,
  createPool,
  logConnectionErrors,
  PostgresEventStore,
  SignalingRecorder,
  SignalingSweeper,
  REDIS_OUTAGE_OPTIONS,
  withTimeout,
} from '@meetings/db';
import { Redis } from 'ioredis';
import { EtcdMediaServers } from './adapters/etcd/etcd-media-servers.js';
import { EtcdNodeLiveness } from './adapters/etcd/etcd-node-liveness.js';
import { RedisNodeLiveness } from './adapters/redis/redis-node-liveness.js';
import { httpTimeouts } from './config.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { aiTaskRoutes } from './http/routes/ai-task-routes.js';
import { configRoutes } from './http/routes/config-routes.js';
import { meetingRoutes } from './http/routes/meeting-routes.js';
import { reportRoutes } from './http/routes/report-routes.js';
import { mediaServerRoutes } from './http/routes/media-server-routes.js';
import { roomRoutes } from './http/routes/room-routes.js';
import type { Logger } from './logger.js';
import { ActivityReader } from './read/activity-reader.js';
import { AiTasksReader } from './read/ai-tasks-reader.js';
import { AnalyticsReader } from './read/analytics-reader.js';
import { analyticsRoutes } from './http/routes/analytics-routes.js';
import { fileRoutes } from './http/routes/file-routes.js';
import { FilesReader } from './read/files-reader.js';
import { S3ObjectStore, storageConfigFrom } from '@meetings/storage';
import { ConfigsReader } from './read/configs-reader.js';
import { MeetingsReader } from './read/meetings-reader.js';
import { ProjectionCheckpoints } from './read/projections.js';
import { ReadYourWrites } from './read/read-your-writes.js';
import { ReportsReader } from './read/reports-reader.js';
import { RoomCache } from './rooms/room-cache.js';
import { RoomHub } from './rooms/room-hub.js';
import type { NodeLiveness } from './ports/node-liveness.js';
import { RoomSocketServer } from './ws/room-socket-server.js';

/** Longest a readiness check waits for PostgreSQL and Redis before answering 503. */
const READY_TIMEOUT_MS = 1500;

export interface RunningService {
  port: number;
  close(): Promise<void>;
}

/** Wires the readers into the HTTP and WebSocket edges and starts listening. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE }, logger);
  // While Redis is down, commands fail within about a second (503) and the clients reconnect by themselves.
  const redisOptions = { lazyConnect: true, ...REDIS_OUTAGE_OPTIONS };
  const redis = new Redis(config.REDIS_URL, { ...redisOptions, keyPrefix: config.REDIS_KEY_PREFIX });
  // Subscriber mode takes a connection of its own; channels carry the prefix explicitly.
  const subscriber = new Redis(config.REDIS_URL, redisOptions);
  for (const [name, client] of [
    ['Redis', redis],
    ['Redis subscriber', subscriber],
  ] as const) {
    client.on('error', logConnectionErrors(logger, name));
  }
  await Promise.all([redis.connect(), subscriber.connect(), pool.query('SELECT 1')]);

  const metrics = createMetrics('query-api');
  const sessions = new RedisSessionStore(redis, config.SESSION_TTL_SECONDS);
  const meetings = new MeetingsReader(pool);
  const rooms = new RoomCache(redis);
  const hub = new RoomHub(subscriber, config.REDIS_KEY_PREFIX, logger);
  // The read-your-writes poller's own connection: waiting reads must not queue it behind them.
  const pollerPool = createPool(
    { connectionString: config.DATABASE_URL, max: 1 },
    logger,
    'read-your-writes',
  );
  const readYourWrites = new ReadYourWrites(new ProjectionCheckpoints(pollerPool, redis), {
    timeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
  });

  const mediaServers = config.ETCD_ENDPOINTS.length > 0 ? new EtcdMediaServers(config.ETCD_ENDPOINTS) : null;
  // The MongoDB analytics (MONGO_URL set; otherwise its endpoints answer 503). Connects lazily.
  const mongo = config.MONGO_URL
    ? createMongo({ url: config.MONGO_URL, database: config.MONGO_DATABASE, appName: 'query-api' })
    : null;
  const app = createApp({
    routes: [
      ...meetingRoutes(meetings, new ActivityReader(pool)),
      ...reportRoutes(new ReportsReader(pool)),
      ...roomRoutes(meetings, rooms),
      ...mediaServerRoutes(meetings, rooms, mediaServers),
      ...configRoutes(new ConfigsReader(pool)),
      ...aiTaskRoutes(meetings, new AiTasksReader(pool)),
      ...analyticsRoutes(meetings, mongo ? new AnalyticsReader(mongo.db) : null),
      ...fileRoutes({
        meetings,
        files: new FilesReader(pool),
        store: storageOf(config),
        presignedUrlTtlSeconds: config.PRESIGNED_URL_TTL_SECONDS,
      }),
    ],
    sessions,
    readYourWrites,
    logger,
    metrics,
    corsOrigins: config.CORS_ORIGINS,
    // Answers within READY_TIMEOUT_MS even while a server is silent; ready again once all answer.
    checkReady: async () => {
      if (subscriber.status !== 'ready') throw new Error(`Redis subscriber is ${subscriber.status}`);
      await withTimeout(Promise.all([pool.query('SELECT 1'), redis.ping()]), READY_TIMEOUT_MS, 'readiness');
    },
  });

  // One node id per process: its registry instance, its heartbeat and its signaling stream.
  const nodeId = randomUUID();
  const liveness: NodeLiveness =
    config.ETCD_ENDPOINTS.length > 0
      ? new EtcdNodeLiveness(
          {
            endpoints: config.ETCD_ENDPOINTS,
            service: 'query-api',
            nodeId,
            leaseTtlSeconds: config.ETCD_LEASE_TTL_SECONDS,
          },
          logger,
        )
      : new RedisNodeLiveness(redis, 'query-api', nodeId, config.NODE_HEARTBEAT_TTL_SECONDS, logger);
  const store = new InstrumentedEventStore(new PostgresEventStore(pool), metrics);
  const signaling = new SignalingRecorder(store, nodeId, logger);
  const sweeper = new SignalingSweeper({
    // SFU nodes' sessions (`sfu:<name>`) are the SFU nodes' to sweep: their liveness is not ours.
    owns: (id) => !id.startsWith('sfu:'),
    lockName: 'signaling-sweep',
    pool,
    store,
    liveness,
    redis,
    logger,
    intervalMs: config.SIGNALING_SWEEP_INTERVAL_MS,
  });

  const server = createHttpServer(app, httpTimeouts(config), logger);
  server.listen(config.PORT, config.HOST);
  const sockets = new RoomSocketServer(
    { sessions, meetings, rooms, hub, logger, maxSubscriptions: 100, signaling },
    // 'ready' of the sessions' Redis client: after a reconnection every session is checked at once.
    { sessionCheckMs: config.WS_SESSION_CHECK_MS, sessionStoreEvents: redis },
  );
  sockets.attach(server);
  websocketGauge(metrics, 'rooms', () => sockets.connections);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  // Alive (and, with etcd, registered) before the ready line: sessions opened from then on
  // belong to a node the other nodes' sweepers see alive.
  await liveness.start({ host: config.HOST, port });
  sweeper.start();
  logger.info({ host: config.HOST, port, nodeId }, 'query-api listening');

  return {
    port,
    close: async () => {
      // Stop accepting, say goodbye to WebSocket clients (recording their sessions' ends), let
      // in-flight queries finish; only then end the heartbeat, so that no sweeper closes our
      // sessions as a dead node's meanwhile; release.
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await sweeper.stop();
      await sockets.close();
      server.closeIdleConnections();
      await httpClosed;
      await signaling.stop();
      await liveness.stop().catch((error: unknown) => logger.warn({ err: error }, 'heartbeat stop failed'));
      mediaServers?.close();
      await Promise.allSettled([
        pool.end(),
        pollerPool.end(),
        redis.quit(),
        subscriber.quit(),
        mongo?.close(),
      ]);
    },
  };
}

/** The object store presigned URLs are made for (signing needs no request to it); null without S3_ENDPOINT. */
function storageOf(config: Config): S3ObjectStore | null {
  const storage = storageConfigFrom(config);
  return storage ? new S3ObjectStore(storage) : null;
}
