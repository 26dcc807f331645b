import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../config.js';
import { loadRelayConfig } from './config.js';

test('the relay needs KAFKA_BROKERS as host:port items, and says which setting is wrong', () => {
  assert.throws(
    () => loadRelayConfig({}),
    (e: unknown) => e instanceof ConfigError && /KAFKA_BROKERS/.test(e.message),
  );
  assert.throws(
    () => loadRelayConfig({ KAFKA_BROKERS: 'kafka-1:9092,nohost' }),
    (e: unknown) => e instanceof ConfigError && /KAFKA_BROKERS/.test(e.message),
  );
  assert.deepEqual(loadRelayConfig({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092' }).KAFKA_BROKERS, [
    'kafka-1:9092',
    'kafka-2:9092',
  ]);
});

test('projection workers read the event store unless KAFKA_BROKERS is set', () => {
  assert.equal(loadConfig({}).KAFKA_BROKERS, undefined);
  assert.deepEqual(loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092' }).KAFKA_BROKERS, ['127.0.0.1:9092']);
  assert.throws(() => loadConfig({ KAFKA_BROKERS: '9092' }), /KAFKA_BROKERS/);
});
