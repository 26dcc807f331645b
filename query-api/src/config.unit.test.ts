import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertHttpTimeoutSettings } from '@meetings/command-service/testing';
import { ConfigError, loadConfig } from './config.js';

test('defaults give the local profile', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 3001);
  assert.equal(config.READ_YOUR_WRITES_TIMEOUT_MS, 2000);
  assert.equal(config.WS_SESSION_CHECK_MS, 500);
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
  assertHttpTimeoutSettings(loadConfig);
});
