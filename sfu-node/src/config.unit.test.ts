import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
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
  });
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
