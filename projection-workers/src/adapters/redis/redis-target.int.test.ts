import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import { checkpointKey, FENCE_LUA, generationKey, RedisTarget } from './redis-target.js';
import type { RedisUnit } from './redis-target.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:${randomBytes(6).toString('hex')}:`;
let redis: Redis;

before(() => {
  redis = new Redis(REDIS_URL, { keyPrefix: PREFIX });
});
after(async () => {
  await wipe();
  redis.disconnect();
});

const at = (n: number) => ({ transactionId: n, globalPosition: n });

/** A fenced write, as a projector's script does it. */
const SET_FENCED = `${FENCE_LUA}
local refused = fence(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
if refused then return refused end
redis.call('SET', KEYS[3], ARGV[3])
return 1`;
const write = (key: string, value: string) => (tx: RedisUnit) =>
  tx.redis.eval(SET_FENCED, 3, ...tx.fence.keys, key, ...tx.fence.args, value);

async function wipe() {
  // What a Redis restart without persistence leaves: nothing under the prefix.
  const keys = await redis.keys(`${PREFIX}*`);
  const raw = new Redis(REDIS_URL);
  if (keys.length) await raw.del(...keys);
  raw.disconnect();
}

test('a run writes fenced on its generation and checkpoint; a new run continues from the checkpoint', async () => {
  const target = new RedisTarget(redis);
  const run = await target.open('rooms');
  assert.equal(run.checkpoint, null);
  await run.commit(write('a', '1'), at(1));
  await run.commit(write('b', '2'), at(2));
  assert.equal(await redis.get('a'), '1');
  assert.equal(await redis.get(checkpointKey('rooms')), '2:2');
  assert.deepEqual((await target.open('rooms')).checkpoint, at(2));
  assert.deepEqual(await target.loadCheckpoint('rooms'), at(2));
});

test('after Redis lost everything, the old run writes nothing and a new run rebuilds from the start', async () => {
  const target = new RedisTarget(redis);
  const run = await target.open('lost');
  await run.commit(write('room', 'v1'), at(1));
  const generation = await redis.get(generationKey('lost'));
  await wipe();

  await assert.rejects(run.commit(write('room', 'v2'), at(2)), CheckpointConflict);
  await assert.rejects(run.commit(null, at(3)), CheckpointConflict);
  assert.equal(await redis.get('room'), null, 'nothing written into the empty Redis');
  assert.equal(await redis.get(checkpointKey('lost')), null);

  const rebuild = await target.open('lost');
  assert.equal(rebuild.checkpoint, null, 'from the start of the log');
  assert.notEqual(await redis.get(generationKey('lost')), generation, 'a new generation');
  await rebuild.commit(write('room', 'v1'), at(1));
  await rebuild.commit(write('room', 'v2'), at(2));
  assert.equal(await redis.get('room'), 'v2');
});

test('a checkpoint older than the run committed (Redis lost its last writes) refuses every write', async () => {
  const target = new RedisTarget(redis);
  const run = await target.open('tail');
  await run.commit(write('x', '1'), at(1));
  await run.commit(write('x', '2'), at(2));
  await redis.set(checkpointKey('tail'), '1:1'); // as a persisted Redis that lost its last second
  await assert.rejects(run.commit(write('x', '3'), at(3)), CheckpointConflict);
  assert.equal(await redis.get('x'), '2');
  assert.deepEqual((await target.open('tail')).checkpoint, at(1));
});
