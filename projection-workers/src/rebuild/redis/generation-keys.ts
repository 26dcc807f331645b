import { randomBytes } from 'node:crypto';
import { compareCheckpoints, parseCheckpoint } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type { Redis } from 'ioredis';
import { checkpointKey, generationKey } from '../../adapters/redis/redis-target.js';
import { appliedKey } from '../../projectors/redis/room-cache-projector.js';

/*
 * Where a Redis rebuild keeps what it builds and what it remembers, every name relative to the
 * live prefix (the live client's keyPrefix adds it).
 */

/** The generation of `projection` being built, kept until the switch: a rebuild resumes it. */
export const rebuildStateKey = (projection: string) => `rebuild:${projection}`;

/** The new generation's keys: the live names, under this. */
export const generationPrefix = (generation: string) => `rebuild:${generation}:`;

/** The fence and positions of a projection run, as RedisTarget and the room script keep them. */
export interface RunKeys {
  marker: string;
  checkpoint: string;
  applied: string;
}

export const runKeys = (projection: string): RunKeys => ({
  marker: generationKey(projection),
  checkpoint: checkpointKey(projection),
  applied: appliedKey(checkpointKey(projection)),
});

/** What the live run has stored ('' for a missing key): the switch expects it unchanged. */
export interface LiveState {
  marker: string;
  checkpoint: string;
  applied: string;
}

export async function readLiveState(redis: Redis, keys: RunKeys): Promise<LiveState> {
  const [marker, checkpoint, applied] = await redis.mget(keys.marker, keys.checkpoint, keys.applied);
  return { marker: marker ?? '', checkpoint: checkpoint ?? '', applied: applied ?? '' };
}

/** The position of the furthest event run against the live keys: their batch may be half applied. */
export function livePosition(state: LiveState): Checkpoint | null {
  const known = [state.checkpoint, state.applied].filter((t) => t !== '').map(parseCheckpoint);
  if (known.length === 0) return null;
  return known.reduce((a, b) => (compareCheckpoints(a, b) >= 0 ? a : b));
}

/** The generation being built, or a new one: `resumed` when an interrupted rebuild left one. */
export async function claimGeneration(
  redis: Redis,
  projection: string,
): Promise<{ generation: string; resumed: boolean }> {
  const key = rebuildStateKey(projection);
  const fresh = randomBytes(5).toString('hex');
  // NX: two rebuilds started at once share one generation (their fences then keep one writing).
  const claimed = await redis.set(key, fresh, 'NX');
  if (claimed === 'OK') return { generation: fresh, resumed: false };
  const generation = await redis.get(key);
  if (!generation) return claimGeneration(redis, projection);
  return { generation, resumed: true };
}
