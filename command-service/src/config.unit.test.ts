import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';
import { assertHttpTimeoutSettings } from './testing/http-timeout-settings.js';

test('defaults give the local profile', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 3000);
  assert.equal(config.SESSION_TTL_SECONDS, 3600);
  assert.equal(config.BODY_LIMIT_BYTES, 65536);
  assert.match(config.DATABASE_URL, /^postgres:/);
  assert.equal(config.RATE_LIMIT_COMMANDS, 600);
  assert.equal(config.RATE_LIMIT_WINDOW_SECONDS, 60);
});

test('RATE_LIMIT_COMMANDS=0 turns the command rate limit off; a negative one is refused', () => {
  assert.equal(loadConfig({ RATE_LIMIT_COMMANDS: '0' }).RATE_LIMIT_COMMANDS, 0);
  assert.throws(() => loadConfig({ RATE_LIMIT_COMMANDS: '-1' }), /RATE_LIMIT_COMMANDS/);
  assert.throws(() => loadConfig({ RATE_LIMIT_WINDOW_SECONDS: '0' }), /RATE_LIMIT_WINDOW_SECONDS/);
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
  assertHttpTimeoutSettings(loadConfig);
});
