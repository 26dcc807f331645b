import { createMetrics, InstrumentedEventStore, startHealthServer } from '@meetings/command-service/http';
import { RedisSessionStore } from '@meetings/command-service/sessions';
import {
  createPool,
  logConnectionErrors,
  PostgresEventStore,
  REDIS_OUTAGE_OPTIONS,
  SignalingRecorder,
  withTimeout,
  SignalingSweeper,
} from '@meetings/db';
import { createUpcasterRegistry } from '@meetings/events';
import type { EventStore } from '@meetings/events';
import { S3ObjectStore } from '@meetings/storage';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EtcdNodeRegistry } from './adapters/etcd/etcd-node-registry.js';
import { PgOpenRooms } from './adapters/postgres/pg-open-rooms.js';
import { PgUnfinishedRecordings } from './adapters/postgres/pg-unfinished-recordings.js';
import { RedisRoomSource } from './adapters/redis/redis-room-source.js';
import { MediaStreamRecorder } from './application/media-streams.js';
import { Placer } from './application/placer.js';
import { Recorder } from './application/recorder.js';
import { RecordingCommands } from './application/recording-commands.js';
import { Sfu } from './application/sfu.js';
import type { SfuConfig } from './config.js';
import { SignalingServer } from './signaling/signaling-server.js';
import { sfuMetrics } from './metrics/sfu-metrics.js';
import { WorkerPool } from './worker-pool.js';

export interface RunningSfu {
  port: number;
  close(): Promise<void>;
}

/** The worker pool, the room cache and sessions in Redis, and the signaling server, wired. */
export async function startSfu(config: SfuConfig, logger: Logger): Promise<RunningSfu> {
  const redisOptions = { lazyConnect: true, ...REDIS_OUTAGE_OPTIONS };
  const redis = new Redis(config.redisUrl, { ...redisOptions, keyPrefix: config.redisKeyPrefix });
  // Subscriber mode takes a connection of its own; channels carry the prefix explicitly.
  const subscriber = new Redis(config.redisUrl, redisOptions);
  redis.on('error', logConnectionErrors(logger, 'Redis'));
  subscriber.on('error', logConnectionErrors(logger, 'Redis subscriber'));
  const pool = createPool({ connectionString: config.databaseUrl, max: config.dbPoolSize }, logger);
  await Promise.all([redis.connect(), subscriber.connect(), pool.query('SELECT 1')]);
  const metrics = createMetrics('sfu-node');
  const store = new InstrumentedEventStore(new PostgresEventStore(pool), metrics);
  const upcasters = createUpcasterRegistry();
  const recorder = new MediaStreamRecorder(
    store,
    upcasters,
    {
      nodeId: config.nodeId,
      sampleIntervalMs: config.sampleIntervalMs,
      speakingThresholdDbov: config.speakingThresholdDbov,
    },
    logger.child({ component: 'media-streams' }),
  );

  const workers = await WorkerPool.start(config);
  workers.on('died', (slot, pid, error) =>
    logger.error({ slot: slot.index, pid, err: error }, 'mediasoup worker died'),
  );
  workers.on('replaced', (slot, worker) =>
    logger.info({ slot: slot.index, pid: worker.pid }, 'mediasoup worker replaced'),
  );
  workers.on('restartfailed', (slot, error, retryInMs) =>
    logger.error({ slot: slot.index, err: error, retryInMs }, 'mediasoup worker restart failed'),
  );

  const rooms = new RedisRoomSource(redis, subscriber, config.redisKeyPrefix, logger);
  const recordings = await startRecorder(config, { store, upcasters, rooms, pool }, logger);
  const sfu = new Sfu(
    workers,
    rooms,
    { listenIp: config.listenIp, announcedAddress: config.announcedAddress },
    logger,
    recorder,
    config.nodeId,
    { maxPeersPerRouter: config.maxPeersPerRouter, recordings },
  );
  const sessions = new RedisSessionStore(redis, config.sessionTtlSeconds);
  // SFU sessions are `sfu:<name>` in signaling_sessions: apart from query-api's nodes (uuids).
  const signaling = new SignalingRecorder(
    store,
    `sfu:${config.nodeId}`,
    logger.child({ component: 'signaling' }),
  );
  // A node's name outlives its process: what its previous life left open is closed first.
  const leftOpen = await signaling.recover();
  if (leftOpen > 0) logger.info({ sessions: leftOpen }, 'closed the sessions a previous run left open');
  const server = new SignalingServer(sfu, sessions, logger, {
    graceMs: config.reconnectGraceMs,
    sessionCheckMs: config.sessionCheckMs,
    heartbeatMs: config.heartbeatMs,
    sessionLog: signaling,
  });
  const port = await server.listen(config.port, config.host);
  // Apart from the signaling port, which faces clients: /metrics has no auth.
  sfuMetrics(metrics, { sfu, recordings, signaling: server });
  const health = await startHealthServer({
    host: config.metricsHost,
    port: config.metricsPort,
    registry: metrics,
    logger,
    checkReady: () =>
      withTimeout(Promise.all([pool.query('SELECT 1'), redis.ping()]), 1500, 'readiness').then(
        () => undefined,
      ),
  });
  const placement =
    config.etcdEndpoints.length > 0
      ? await registerAndPlace({ config, port, sfu, store, upcasters, pool, redis, logger })
      : null;
  return {
    port,
    close: async () => {
      // Leaving the registry first: the node's meetings are placed again without waiting for the lease.
      await placement?.stop();
      await health.close();
      await server.close();
      // Before the rooms close: running recordings fail as such, not as rooms emptied.
      await recordings.close();
      sfu.close();
      await workers.close();
      // The rooms closed their producers: their closes are written before the pool goes.
      recorder.stop();
      await recorder.flush();
      // The sockets closed with the server: their sessions' closes are written too.
      await signaling.stop();
      await pool.end();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * The recorder, after failing what this node's previous life left recording. Without object
 * storage it still runs: each recording then fails at once (storage-not-configured).
 */
async function startRecorder(
  config: SfuConfig,
  parts: {
    store: EventStore;
    upcasters: ReturnType<typeof createUpcasterRegistry>;
    rooms: RedisRoomSource;
    pool: ReturnType<typeof createPool>;
  },
  logger: Logger,
): Promise<Recorder> {
  const { store, upcasters, rooms, pool } = parts;
  const log = logger.child({ component: 'recorder' });
  const storage = config.storage ? new S3ObjectStore(config.storage) : null;
  if (storage) {
    await storage.ensureBucket();
  } else log.warn('S3_ENDPOINT is not set: recordings will fail with storage-not-configured');
  const commands = new RecordingCommands(store, upcasters, config.nodeId);
  const recorder = new Recorder(
    commands,
    rooms,
    new PgUnfinishedRecordings(pool),
    {
      nodeId: config.nodeId,
      storage,
      // Without a registry nothing is placed: the node serves every meeting.
      servesUnplaced: config.etcdEndpoints.length === 0,
      ...config.recording,
    },
    log,
  );
  const failed = await recorder.recover();
  if (failed > 0) log.warn({ recordings: failed }, 'failed the recordings a previous run left running');
  recorder.startSweeping();
  return recorder;
}

interface PlacementParts {
  config: SfuConfig;
  port: number;
  sfu: Sfu;
  store: EventStore;
  upcasters: ReturnType<typeof createUpcasterRegistry>;
  pool: ReturnType<typeof createPool>;
  redis: Redis;
  logger: Logger;
}

/**
 * Registers the node in etcd, reports its load, and runs the placer (which acts only while this
 * node is the placer: see isPlacer).
 */
async function registerAndPlace(parts: PlacementParts): Promise<{ stop(): Promise<void> }> {
  const { config, port, sfu, store, upcasters, pool, redis } = parts;
  const log = parts.logger.child({ component: 'placement' });
  const registry = await EtcdNodeRegistry.register(
    {
      endpoints: config.etcdEndpoints,
      nodeId: config.nodeId,
      leaseTtlSeconds: config.etcdLeaseTtlSeconds,
      host: config.host,
      port,
      url: config.publicUrl ?? `ws://${config.host}:${port}/ws`,
    },
    log,
  );
  const placer = new Placer(
    store,
    upcasters,
    registry,
    new PgOpenRooms(pool),
    { nodeId: config.nodeId, intervalMs: config.placementIntervalMs },
    log,
  );
  await placer.start();
  // Sessions of SFU nodes that died (their registration went) are closed by a surviving node.
  const sweeper = new SignalingSweeper({
    pool,
    store,
    redis,
    logger: log,
    intervalMs: config.placementIntervalMs,
    owns: (id) => id.startsWith('sfu:'),
    lockName: 'sfu-signaling-sweep',
    liveness: {
      nodeId: `sfu:${config.nodeId}`,
      isAlive: async (id) => (await registry.live()).some((node) => `sfu:${node.nodeId}` === id),
    },
  });
  sweeper.start();
  const reporting = setInterval(() => {
    sfu
      .load()
      .then((load) => registry.report(load))
      .catch((error: unknown) => log.warn({ err: error }, 'load report failed'));
  }, config.loadReportMs);
  return {
    stop: async () => {
      clearInterval(reporting);
      await sweeper.stop();
      await placer.stop();
      await registry.leave();
    },
  };
}
