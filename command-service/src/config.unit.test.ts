import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults give the local profile', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 3000);
  assert.equal(config.SESSION_TTL_SECONDS, 3600);
  assert.equal(config.BODY_LIMIT_BYTES, 65536);
  assert.match(config.DATABASE_URL, /^postgres:/);
});

test('a wrong setting fails with one line naming it', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', REDIS_URL: 'not a url' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /PORT/.test(e.message) &&
      /REDIS_URL/.test(e.message) &&
      !e.message.includes('\n'),
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
