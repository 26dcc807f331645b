import assert from 'node:assert/strict';
import { availableParallelism, hostname } from 'node:os';
import { test } from 'node:test';
import { ConfigError, loadSfuConfig } from './config.js';
import { splitPortRange } from './worker-pool.js';

// Any executable file passes the binary check; the worker itself is exercised by the int test.
const bin = process.execPath;

test('config: defaults, one worker per core', () => {
  assert.deepEqual(loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin }), {
    workerBin: bin,
    workers: availableParallelism(),
    rtcMinPort: 40000,
    rtcMaxPort: 49999,
    workerLogLevel: 'warn',
    host: '127.0.0.1',
    port: 3002,
    listenIp: '127.0.0.1',
    announcedAddress: undefined,
    reconnectGraceMs: 10_000,
    sessionCheckMs: 500,
    heartbeatMs: 30_000,
    maxPeersPerRouter: 200,
    redisUrl: 'redis://127.0.0.1:6379',
    redisKeyPrefix: '',
    sessionTtlSeconds: 3600,
    databaseUrl: 'postgres://postgres@127.0.0.1:5432/meetings',
    dbPoolSize: 4,
    nodeId: hostname(),
    sampleIntervalMs: 10_000,
    speakingThresholdDbov: -50,
    recording: {
      dir: './data/recordings',
      maxBytes: 2 * 1024 ** 3,
      maxSeconds: 4 * 3600,
      sweepIntervalMs: 5000,
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
    },
    storage: null,
    etcdEndpoints: [],
    etcdLeaseTtlSeconds: 10,
    publicUrl: undefined,
    placementIntervalMs: 1000,
    loadReportMs: 2000,
    logLevel: 'info',
    metricsHost: '127.0.0.1',
    metricsPort: 9468,
    mongo: { MONGO_URL: undefined, MONGO_DATABASE: 'meeting_system' },
  });
});

test('config: recording and its object storage', () => {
  const config = loadSfuConfig({
    MEDIASOUP_WORKER_BIN: bin,
    RECORDING_DIR: '/var/lib/sfu/recordings',
    RECORDING_MAX_BYTES: '10485760',
    RECORDING_MAX_SECONDS: '600',
    S3_ENDPOINT: 'http://127.0.0.1:7480',
    S3_ACCESS_KEY: 'ak',
    S3_SECRET_KEY: 'sk',
  });
  assert.deepEqual(
    { ...config.recording, storage: config.storage?.endpoint },
    {
      dir: '/var/lib/sfu/recordings',
      maxBytes: 10_485_760,
      maxSeconds: 600,
      sweepIntervalMs: 5000,
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
      storage: 'http://127.0.0.1:7480',
    },
  );
  assert.equal(config.storage?.bucket, 'meeting-system');
  for (const [name, value] of [
    ['RECORDING_MAX_BYTES', '1000'],
    ['RECORDING_MAX_SECONDS', '0'],
    ['SFU_SPEAKING_THRESHOLD_DBOV', '3'],
  ]) {
    assert.throws(() => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, [name!]: value }), new RegExp(name!));
  }
  // An endpoint without its keys is a mistake, not storage turned off.
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, S3_ENDPOINT: 'http://127.0.0.1:7480' }),
    /S3_ACCESS_KEY/,
  );
});

test('config: the registry and placement settings', () => {
  const config = loadSfuConfig({
    MEDIASOUP_WORKER_BIN: bin,
    ETCD_ENDPOINTS: 'http://10.0.0.5:2379, http://10.0.0.6:2379',
    ETCD_LEASE_TTL_SECONDS: '3',
    SFU_PUBLIC_URL: 'wss://media-1.example.com/ws',
  });
  assert.deepEqual(config.etcdEndpoints, ['http://10.0.0.5:2379', 'http://10.0.0.6:2379']);
  assert.equal(config.etcdLeaseTtlSeconds, 3);
  assert.equal(config.publicUrl, 'wss://media-1.example.com/ws');
  // Clients are given this URL: only a WebSocket one will do.
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_PUBLIC_URL: 'http://media-1.example.com/ws' }),
    /SFU_PUBLIC_URL/,
  );
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_PLACEMENT_INTERVAL_MS: '10' }),
    /SFU_PLACEMENT_INTERVAL_MS/,
  );
});

test('config: a missing or wrong setting names itself', () => {
  assert.throws(
    () => loadSfuConfig({}),
    (e: unknown) => e instanceof ConfigError && /MEDIASOUP_WORKER_BIN: required/.test(e.message),
  );
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' }),
    /MEDIASOUP_WORKER_BIN: no executable file/,
  );
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_RTC_MIN_PORT: '45000', SFU_RTC_MAX_PORT: '44000' }),
    /SFU_RTC_MAX_PORT: below SFU_RTC_MIN_PORT/,
  );
  assert.throws(
    () =>
      loadSfuConfig({
        MEDIASOUP_WORKER_BIN: bin,
        SFU_WORKERS: '3',
        SFU_RTC_MIN_PORT: '45000',
        SFU_RTC_MAX_PORT: '45001',
      }),
    /fewer ports than SFU_WORKERS/,
  );
  assert.throws(() => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_WORKERS: '0' }), /SFU_WORKERS/);
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_LISTEN_IP: 'localhost' }),
    /SFU_LISTEN_IP/,
  );
  assert.throws(() => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_PORT: '70000' }), /SFU_PORT/);
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_RECONNECT_GRACE_MS: '-1' }),
    /SFU_RECONNECT_GRACE_MS/,
  );
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_MAX_PEERS_PER_ROUTER: '0' }),
    /SFU_MAX_PEERS_PER_ROUTER/,
  );
  assert.throws(
    () => loadSfuConfig({ MEDIASOUP_WORKER_BIN: bin, SFU_WORKER_LOG_LEVEL: 'info' }),
    /SFU_WORKER_LOG_LEVEL/,
  );
});

test('port range: split into contiguous slices covering it', () => {
  assert.deepEqual(splitPortRange(40000, 40009, 3), [
    [40000, 40003],
    [40004, 40006],
    [40007, 40009],
  ]);
  assert.deepEqual(splitPortRange(40000, 49999, 1), [[40000, 49999]]);
  assert.throws(() => splitPortRange(40000, 40001, 3), RangeError);
});
