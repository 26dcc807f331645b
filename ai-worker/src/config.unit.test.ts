import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults: the local queue, three attempts', () => {
  const config = loadConfig({});
  assert.equal(config.KAFKA_BROKERS, undefined);
  assert.equal(config.AI_TASK_MAX_ATTEMPTS, 3);
  assert.equal(config.AI_TASK_LEASE_MS, 30_000);
  assert.equal(loadConfig({ KAFKA_BROKERS: '' }).KAFKA_BROKERS, undefined, 'empty is unset');
});

test('KAFKA_BROKERS is a host:port list; wrong values are refused naming the setting', () => {
  assert.deepEqual(loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093' }).KAFKA_BROKERS, ['a:9092', 'b:9093']);
  for (const [name, value] of [
    ['KAFKA_BROKERS', 'no-port'],
    ['AI_TASK_MAX_ATTEMPTS', '0'],
    ['AI_TASK_LEASE_MS', '10'],
    ['AI_TASK_RETRY_MAX_MS', '1'],
  ] as const) {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(name),
    );
  }
});
