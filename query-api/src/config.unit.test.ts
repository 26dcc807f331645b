import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults give the local profile', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 3001);
  assert.equal(config.READ_YOUR_WRITES_TIMEOUT_MS, 2000);
  assert.equal(config.WS_SESSION_CHECK_MS, 1000);
  assert.equal(config.REDIS_KEY_PREFIX, '');
  assert.match(config.DATABASE_URL, /^postgres:/);
});

test('a wrong setting fails with one line naming it', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', READ_YOUR_WRITES_TIMEOUT_MS: '-1' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /PORT/.test(e.message) &&
      /READ_YOUR_WRITES_TIMEOUT_MS/.test(e.message) &&
      !e.message.includes('\n'),
  );
});

test('WS_SESSION_CHECK_MS is read as milliseconds, between 100 and 60000', () => {
  assert.equal(loadConfig({ WS_SESSION_CHECK_MS: '250' }).WS_SESSION_CHECK_MS, 250);
  for (const wrong of ['0', '50', '60001', 'often'])
    assert.throws(
      () => loadConfig({ WS_SESSION_CHECK_MS: wrong }),
      (e: unknown) => e instanceof ConfigError && /WS_SESSION_CHECK_MS/.test(e.message),
      wrong,
    );
});

test('HTTP timeouts: defaults, milliseconds, headers within the request timeout', () => {
  const config = loadConfig({});
  assert.equal(config.HTTP_HEADERS_TIMEOUT_MS, 10_000);
  assert.equal(config.HTTP_REQUEST_TIMEOUT_MS, 30_000);
  assert.equal(config.HTTP_KEEP_ALIVE_TIMEOUT_MS, 5000);
  const set = loadConfig({
    HTTP_HEADERS_TIMEOUT_MS: '500',
    HTTP_REQUEST_TIMEOUT_MS: '1000',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '200',
  });
  assert.deepEqual(
    [set.HTTP_HEADERS_TIMEOUT_MS, set.HTTP_REQUEST_TIMEOUT_MS, set.HTTP_KEEP_ALIVE_TIMEOUT_MS],
    [500, 1000, 200],
  );
  for (const name of ['HTTP_HEADERS_TIMEOUT_MS', 'HTTP_REQUEST_TIMEOUT_MS', 'HTTP_KEEP_ALIVE_TIMEOUT_MS']) {
    for (const wrong of ['0', '-5', '99', '1.5', 'soon', '3600001'])
      assert.throws(
        () => loadConfig({ [name]: wrong }),
        (e: unknown) => e instanceof ConfigError && e.message.includes(name),
        `${name}=${wrong}`,
      );
  }
  assert.throws(
    () => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }),
    (e: unknown) => e instanceof ConfigError && /HTTP_HEADERS_TIMEOUT_MS/.test(e.message),
  );
});
