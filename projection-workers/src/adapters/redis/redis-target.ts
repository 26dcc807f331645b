import { randomUUID } from 'node:crypto';
import { formatCheckpoint, parseCheckpoint } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type { Redis } from 'ioredis';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import type { ProjectionTarget, TargetRun } from '../../ports/checkpoint-store.js';

/**
 * What a Redis projector writes through: the client, and the fence every one of its scripts
 * checks before it changes anything (FENCE_LUA). KEYS: the generation marker, then the checkpoint;
 * ARGV: the run's generation, then the checkpoint it last committed ('' for none).
 */
export interface RedisUnit {
  redis: Redis;
  fence: { keys: [string, string]; args: [string, string] };
}

/**
 * A Lua function for the start of a write script: `local refused = fence(k1, k2, a1, a2)`, then
 * `if refused then return refused end`. It refuses (an error reply starting with FENCED) when the
 * projection's state is not the one the run committed: Redis restarted empty or lost its last
 * writes (the generation marker or the checkpoint differ), or another run moved on. So no write
 * ever lands on state the run did not expect, and the run starts over from what is really there.
 */
export const FENCE_LUA = `
local function fence(marker_key, checkpoint_key, generation, from)
  if redis.call('GET', marker_key) ~= generation then
    return redis.error_reply('FENCED the projection state was lost (generation marker changed)')
  end
  if (redis.call('GET', checkpoint_key) or '') ~= from then
    return redis.error_reply('FENCED the stored checkpoint is not the one this run committed')
  end
  return nil
end
`;

// A missing marker means a Redis that never held this projection, or lost it (a restart without
// persistence, a flush): a new generation starts from the beginning of the log.
const OPEN = `
local generation = redis.call('GET', KEYS[1])
if not generation then
  generation = ARGV[1]
  redis.call('SET', KEYS[1], generation)
  redis.call('DEL', KEYS[2])
end
return { generation, redis.call('GET', KEYS[2]) or '' }
`;

const SAVE = `${FENCE_LUA}
local refused = fence(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
if refused then return refused end
redis.call('SET', KEYS[2], ARGV[3])
return 1
`;

export const generationKey = (projection: string) => `projection-generation:${projection}`;
export const checkpointKey = (projection: string) => `projection-checkpoint:${projection}`;

/**
 * Redis has no transaction spanning the projector's scripts and the checkpoint, so the checkpoint
 * is written after the effects: a crash in between replays a batch, which the projector's version
 * guards turn into no-ops. Beside the data sits a generation marker, and every write is fenced on
 * it and on the checkpoint: a Redis that lost its data is noticed at the next write, never
 * written into as if it still held the rooms, and rebuilt from the log.
 */
export class RedisTarget implements ProjectionTarget<RedisUnit> {
  constructor(private readonly redis: Redis) {}

  async open(projection: string): Promise<TargetRun<RedisUnit>> {
    const keys = [generationKey(projection), checkpointKey(projection)] as [string, string];
    const [generation, text] = (await this.redis.eval(OPEN, 2, ...keys, randomUUID())) as [string, string];
    return new RedisRun(this.redis, projection, keys, generation, text ? parseCheckpoint(text) : null);
  }

  async loadCheckpoint(projection: string): Promise<Checkpoint | null> {
    const text = await this.redis.get(checkpointKey(projection));
    return text ? parseCheckpoint(text) : null;
  }
}

class RedisRun implements TargetRun<RedisUnit> {
  constructor(
    private readonly redis: Redis,
    private readonly projection: string,
    private readonly keys: [string, string],
    private readonly generation: string,
    public checkpoint: Checkpoint | null,
  ) {}

  async commit<T>(
    work: ((tx: RedisUnit) => Promise<T>) | null,
    to: Checkpoint | null,
  ): Promise<T | undefined> {
    const from = this.checkpoint ? formatCheckpoint(this.checkpoint) : '';
    const fence = { keys: this.keys, args: [this.generation, from] as [string, string] };
    try {
      const result = work ? await work({ redis: this.redis, fence }) : undefined;
      if (to) {
        await this.redis.eval(SAVE, 2, ...this.keys, this.generation, from, formatCheckpoint(to));
        this.checkpoint = to;
      }
      return result;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('FENCED ')) {
        throw new CheckpointConflict(this.projection, error.message.slice('FENCED '.length));
      }
      throw error;
    }
  }
}
