import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults give the local profile', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 3001);
  assert.equal(config.READ_YOUR_WRITES_TIMEOUT_MS, 2000);
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
