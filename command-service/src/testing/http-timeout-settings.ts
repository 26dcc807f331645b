import assert from 'node:assert/strict';
import { ConfigError } from '@meetings/events';

interface HttpTimeouts {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
}

/**
 * A service's configuration reads the HTTP timeouts (server-settings.ts): the defaults, values in
 * milliseconds, bounds, and a headers timeout within the request timeout.
 */
export function assertHttpTimeoutSettings(loadConfig: (env: NodeJS.ProcessEnv) => HttpTimeouts): void {
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
}
