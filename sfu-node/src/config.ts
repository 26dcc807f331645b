import { accessSync, constants, statSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { ETCD_SETTINGS, MONGO_SETTINGS } from '@meetings/db';
import { ConfigError, DatabaseUrl, LogLevel, parseConfig, RedisUrl } from '@meetings/events';
import { STORAGE_KEYS_GIVEN, STORAGE_SETTINGS, storageConfigFrom, storageKeysGiven } from '@meetings/storage';
import { metricsSettings } from '@meetings/command-service/http';
import { z } from 'zod';

const Port = z.coerce.number().int().min(1024).max(65535);
const PositiveInt = z.coerce.number().int().positive();

/** An executable regular file: the worker binary must exist before any worker is spawned. */
function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Every setting of an SFU node, read from the environment once at start. The mediasoup worker
 * binary is not the one mediasoup's postinstall would fetch (it cannot be fetched here): it is built
 * by scripts/build-mediasoup-worker.mjs, which `npm start` and `npm test` run, and cached outside
 * node_modules.
 */
export const SfuConfigSchema = z
  .object({
    /** Path of the mediasoup-worker binary (the build script prints it). */
    MEDIASOUP_WORKER_BIN: z
      .string({
        error:
          'required: the mediasoup-worker binary (node scripts/build-mediasoup-worker.mjs prints its path)',
      })
      .min(1)
      .refine(isExecutableFile, {
        error: 'no executable file there (node scripts/build-mediasoup-worker.mjs builds it)',
      }),
    /** mediasoup workers (one process each, single-threaded): one per core by default. */
    SFU_WORKERS: z.coerce.number().int().positive().default(availableParallelism()),
    /** UDP/TCP ports the workers' transports listen on, split evenly between the workers. */
    SFU_RTC_MIN_PORT: Port.default(40000),
    SFU_RTC_MAX_PORT: Port.default(49999),
    /** The workers' own log level (their lines go to the node's stderr through mediasoup). */
    SFU_WORKER_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
    /** The signaling WebSocket server (`/ws`); port 0 picks a free one (tests). */
    SFU_HOST: z.string().min(1).default('127.0.0.1'),
    SFU_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
    /** The address transports listen on, and the one given to clients unless SFU_ANNOUNCED_ADDRESS. */
    SFU_LISTEN_IP: z.ipv4().or(z.ipv6()).default('127.0.0.1'),
    SFU_ANNOUNCED_ADDRESS: z.string().min(1).optional(),
    /** How long a dropped signaling socket's media is kept for the same user to reconnect. */
    SFU_RECONNECT_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    /** How often open sockets check that their sessions still exist (closed with 4401 if not). */
    SFU_SESSION_CHECK_MS: PositiveInt.min(100).max(60_000).default(500),
    SFU_HEARTBEAT_MS: PositiveInt.min(1000).max(600_000).default(30_000),
    /** Peers a meeting's router takes; past it the meeting gets a router on another worker (pipeToRouter). */
    SFU_MAX_PEERS_PER_ROUTER: PositiveInt.default(200),
    /** The sessions and the room cache, as the command service and projection-workers use them. */
    REDIS_URL: RedisUrl,
    REDIS_KEY_PREFIX: z.string().default(''),
    /** The sliding lifetime a connection refreshes a session to: keep it equal to the command service's. */
    SESSION_TTL_SECONDS: PositiveInt.default(3600),
    /** The event store: the node appends its media streams' events (`media-<meetingId>`). */
    DATABASE_URL: DatabaseUrl,
    DB_POOL_SIZE: PositiveInt.max(100).default(4),
    /** This node's name in events (`sfuNodeId`, and the metadata's `sfu:<name>`); the host name by default. */
    SFU_NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/)
      .default(hostname()),
    /** At most one quality sample per producer this often, and only when it changed meaningfully. */
    SFU_SAMPLE_INTERVAL_MS: PositiveInt.min(1000).max(3_600_000).default(10_000),
    /** The audio level (dBov) above which a producer counts as speaking in its speaking samples. */
    SFU_SPEAKING_THRESHOLD_DBOV: z.coerce.number().int().min(-127).max(0).default(-50),
    /** Where recordings are written while they run (one directory per node: its manifests too). */
    RECORDING_DIR: z.string().min(1).default('./data/recordings'),
    /** A recording file's largest size: ffmpeg stops writing there (`-fs`). 2 GiB by default. */
    RECORDING_MAX_BYTES: PositiveInt.min(1024 * 1024).default(2 * 1024 ** 3),
    /** A recording's longest duration: ffmpeg stops there (`-t`). 4 hours by default. */
    RECORDING_MAX_SECONDS: PositiveInt.max(31 * 86_400).default(4 * 3600),
    /** How often the read model is searched for this node's recordings no room showed it. */
    RECORDING_SWEEP_INTERVAL_MS: PositiveInt.min(100).max(600_000).default(5000),
    /** The ffmpeg and ffprobe binaries (on the PATH by default). */
    FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
    FFPROBE_PATH: z.string().min(1).default('ffprobe'),
    /** Object storage for recordings; without S3_ENDPOINT every recording fails (storage-not-configured). */
    ...STORAGE_SETTINGS,
    /**
     * The node registry and placement (etcd): without ETCD_ENDPOINTS the node serves any meeting
     * its clients come with (one node). The lease TTL is how long a dead node's meetings wait.
     */
    ...ETCD_SETTINGS,
    /** Set: warnings and errors also go to MongoDB's `logs`. */
    ...MONGO_SETTINGS,
    /** The signaling URL the registry gives clients; `ws://SFU_HOST:<port>/ws` by default. */
    SFU_PUBLIC_URL: z.url({ protocol: /^wss?$/ }).optional(),
    /** How often the placer looks for meetings without a live node (and at every registry change). */
    SFU_PLACEMENT_INTERVAL_MS: PositiveInt.min(100).max(60_000).default(1000),
    /** How often the node reports its load (peers, rooms) to the registry. */
    SFU_LOAD_REPORT_MS: PositiveInt.min(100).max(60_000).default(2000),
    /** Where GET /metrics, /health/live and /health/ready listen (no auth: keep it private). 0: any free port. */
    ...metricsSettings(9468),
    LOG_LEVEL: LogLevel,
  })
  .refine(storageKeysGiven, STORAGE_KEYS_GIVEN)
  .superRefine((c, ctx) => {
    if (c.SFU_RTC_MIN_PORT > c.SFU_RTC_MAX_PORT) {
      ctx.addIssue({ code: 'custom', path: ['SFU_RTC_MAX_PORT'], message: 'below SFU_RTC_MIN_PORT' });
    } else if (c.SFU_RTC_MAX_PORT - c.SFU_RTC_MIN_PORT + 1 < c.SFU_WORKERS) {
      ctx.addIssue({ code: 'custom', path: ['SFU_RTC_MAX_PORT'], message: 'fewer ports than SFU_WORKERS' });
    }
  })
  .transform((c) => ({
    workerBin: c.MEDIASOUP_WORKER_BIN,
    workers: c.SFU_WORKERS,
    rtcMinPort: c.SFU_RTC_MIN_PORT,
    rtcMaxPort: c.SFU_RTC_MAX_PORT,
    workerLogLevel: c.SFU_WORKER_LOG_LEVEL,
    host: c.SFU_HOST,
    port: c.SFU_PORT,
    listenIp: c.SFU_LISTEN_IP,
    announcedAddress: c.SFU_ANNOUNCED_ADDRESS,
    reconnectGraceMs: c.SFU_RECONNECT_GRACE_MS,
    sessionCheckMs: c.SFU_SESSION_CHECK_MS,
    heartbeatMs: c.SFU_HEARTBEAT_MS,
    maxPeersPerRouter: c.SFU_MAX_PEERS_PER_ROUTER,
    redisUrl: c.REDIS_URL,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    sessionTtlSeconds: c.SESSION_TTL_SECONDS,
    databaseUrl: c.DATABASE_URL,
    dbPoolSize: c.DB_POOL_SIZE,
    nodeId: c.SFU_NODE_ID,
    sampleIntervalMs: c.SFU_SAMPLE_INTERVAL_MS,
    speakingThresholdDbov: c.SFU_SPEAKING_THRESHOLD_DBOV,
    recording: {
      dir: c.RECORDING_DIR,
      maxBytes: c.RECORDING_MAX_BYTES,
      maxSeconds: c.RECORDING_MAX_SECONDS,
      sweepIntervalMs: c.RECORDING_SWEEP_INTERVAL_MS,
      ffmpegPath: c.FFMPEG_PATH,
      ffprobePath: c.FFPROBE_PATH,
    },
    storage: storageConfigFrom(c),
    etcdEndpoints: c.ETCD_ENDPOINTS,
    etcdLeaseTtlSeconds: c.ETCD_LEASE_TTL_SECONDS,
    publicUrl: c.SFU_PUBLIC_URL,
    placementIntervalMs: c.SFU_PLACEMENT_INTERVAL_MS,
    loadReportMs: c.SFU_LOAD_REPORT_MS,
    logLevel: c.LOG_LEVEL,
    metricsHost: c.METRICS_HOST,
    metricsPort: c.METRICS_PORT,
    mongo: { MONGO_URL: c.MONGO_URL, MONGO_DATABASE: c.MONGO_DATABASE },
  }));

export type SfuConfig = z.infer<typeof SfuConfigSchema>;

export { ConfigError };

/** Parses the environment; a missing or wrong setting fails with one line naming it. */
export function loadSfuConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  return parseConfig(SfuConfigSchema, env);
}
