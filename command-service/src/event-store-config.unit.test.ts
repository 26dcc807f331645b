import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('EVENT_STORE defaults to postgres', () => {
  assert.equal(loadConfig({}).EVENT_STORE, 'postgres');
  assert.throws(() => loadConfig({ EVENT_STORE: 'mysql' }), /EVENT_STORE/);
});

test('EVENT_STORE=eventstoredb is refused at start, naming the multi-stream append it lacks', () => {
  assert.throws(
    () => loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://127.0.0.1:2113?tls=false' }),
    (e: unknown) =>
      e instanceof ConfigError && /EVENT_STORE: .*atomic append to several streams/.test(e.message),
  );
  assert.throws(() => loadConfig({ EVENT_STORE: 'eventstoredb' }), /EVENTSTORE_URL: .*needs EVENTSTORE_URL/);
});

test('EVENTSTORE_URL must be an EventStoreDB connection string', () => {
  assert.throws(() => loadConfig({ EVENTSTORE_URL: 'http://127.0.0.1:2113' }), /EVENTSTORE_URL/);
  assert.equal(
    loadConfig({ EVENTSTORE_URL: 'kurrentdb+discover://a:2113,b:2113' }).EVENTSTORE_URL,
    'kurrentdb+discover://a:2113,b:2113',
  );
});
