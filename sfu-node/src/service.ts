import { RedisSessionStore } from '@meetings/command-service/sessions';
import { createPool, logConnectionErrors, PostgresEventStore, REDIS_OUTAGE_OPTIONS } from '@meetings/db';
import { createUpcasterRegistry } from '@meetings/events';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisRoomSource } from './adapters/redis/redis-room-source.js';
import { MediaStreamRecorder } from './application/media-streams.js';
import { Sfu } from './application/sfu.js';
import type { SfuConfig } from './config.js';
import { SignalingServer } from './signaling/signaling-server.js';
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
  const recorder = new MediaStreamRecorder(
    new PostgresEventStore(pool),
    createUpcasterRegistry(),
    { nodeId: config.nodeId, sampleIntervalMs: config.sampleIntervalMs },
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
  const sfu = new Sfu(
    workers,
    rooms,
    { listenIp: config.listenIp, announcedAddress: config.announcedAddress },
    logger,
    recorder,
  );
  const sessions = new RedisSessionStore(redis, config.sessionTtlSeconds);
  const server = new SignalingServer(sfu, sessions, logger, {
    graceMs: config.reconnectGraceMs,
    sessionCheckMs: config.sessionCheckMs,
    heartbeatMs: config.heartbeatMs,
  });
  const port = await server.listen(config.port, config.host);
  return {
    port,
    close: async () => {
      await server.close();
      sfu.close();
      await workers.close();
      // The rooms closed their producers: their closes are written before the pool goes.
      recorder.stop();
      await recorder.flush();
      await pool.end();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
