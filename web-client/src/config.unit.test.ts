import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadWebClientConfig } from './config.js';

test('the defaults are the local profile; no SFU URL means the page asks the query API', () => {
  const config = loadWebClientConfig({});
  assert.deepEqual(config, {
    host: '127.0.0.1',
    port: 3003,
    logLevel: 'info',
    page: { commandApiUrl: 'http://127.0.0.1:3000', queryApiUrl: 'http://127.0.0.1:3001', sfuUrl: null },
  });
});

test('the URLs reach the page as given, without a trailing slash', () => {
  const config = loadWebClientConfig({
    WEB_CLIENT_PORT: '0',
    WEB_CLIENT_COMMAND_API_URL: 'https://api.example/commands/',
    WEB_CLIENT_QUERY_API_URL: 'https://api.example/queries',
    WEB_CLIENT_SFU_URL: 'wss://sfu.example/ws',
  });
  assert.equal(config.port, 0);
  assert.deepEqual(config.page, {
    commandApiUrl: 'https://api.example/commands',
    queryApiUrl: 'https://api.example/queries',
    sfuUrl: 'wss://sfu.example/ws',
  });
});

test('a wrong setting is named', () => {
  for (const [name, value] of [
    ['WEB_CLIENT_PORT', '70000'],
    ['WEB_CLIENT_COMMAND_API_URL', 'ws://127.0.0.1:3000'],
    ['WEB_CLIENT_QUERY_API_URL', 'not a url'],
    ['WEB_CLIENT_SFU_URL', 'http://127.0.0.1:3002/ws'],
  ] as const) {
    assert.throws(
      () => loadWebClientConfig({ [name]: value }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError && e.message.includes(name), e.message);
        return true;
      },
    );
  }
});
