import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('without SMTP settings the worker has no mailer, and defaults hold', () => {
  const config = loadConfig({});
  assert.equal(config.SMTP_HOST, undefined);
  assert.equal(config.NOTIFY_MAX_ATTEMPTS, 5);
  assert.equal(config.SMTP_SECURE, false);
});

test('SMTP settings: flags as true/false or 1/0, the sender required with a host', () => {
  const config = loadConfig({
    SMTP_HOST: 'mail.test',
    SMTP_PORT: '465',
    SMTP_FROM: 'Meetings <noreply@mail.test>',
    SMTP_SECURE: '1',
    SMTP_IGNORE_TLS: 'false',
  });
  assert.equal(config.SMTP_PORT, 465);
  assert.equal(config.SMTP_SECURE, true);
  assert.equal(config.SMTP_IGNORE_TLS, false);
  assert.throws(
    () => loadConfig({ SMTP_HOST: 'mail.test' }),
    (e: Error) => e instanceof ConfigError && /SMTP_FROM/.test(e.message),
  );
  assert.throws(() => loadConfig({ SMTP_SECURE: 'yes' }), /SMTP_SECURE/);
  assert.throws(() => loadConfig({ SMTP_USER: 'u' }), /SMTP_PASSWORD/);
  assert.throws(() => loadConfig({ SMTP_REQUIRE_TLS: 'true', SMTP_IGNORE_TLS: 'true' }), /SMTP_IGNORE_TLS/);
});
