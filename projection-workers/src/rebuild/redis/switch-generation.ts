import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ROOM_CACHE_KEY_STARTS } from '../../projectors/redis/room-cache-projector.js';
import { generationPrefix, rebuildStateKey } from './generation-keys.js';
import type { LiveState, RunKeys } from './generation-keys.js';
import { scanKeys } from './key-scan.js';

/**
 * One step for readers: unless the live run has stored or run anything since `expected` was read
 * (then 'retry'), the live keys of the projection are deleted, the new generation's renamed to
 * their live names (RENAME keeps the TTL), and the live checkpoint set to the generation's. All or
 * nothing, before any other command: a reader sees the old keys or the new, never a mix or a gap.
 *
 *   KEYS[1..3]  the live marker, checkpoint, applied position   KEYS[4]  the rebuild's state key
 *   KEYS[5]     the new generation's checkpoint
 *   then ARGV[5] keys to delete, then pairs (new generation's key, its live name)
 *   ARGV[1..3]  the live marker, checkpoint, applied position expected ('' for none)
 *   ARGV[4]     the new generation's checkpoint: where the live one goes
 *   ARGV[6]     a marker for a live run that has none yet   ARGV[7]  the generation
 *   ARGV[8]     '1': the live checkpoint goes to ARGV[4]; '': it stays (a Kafka-fed live run
 *               keeps none: its position is its consumer offsets)
 *
 * The live marker is kept: the live run's fence passes on. When the generation stands where the
 * live checkpoint does, nothing it checks changes and it goes on against the new keys; when it
 * stands further (the live run was half through a batch), the changed checkpoint fences the live
 * run, which reopens from there. A key the generation lacks (a touched meeting's it never had, a
 * TTL run out) is not renamed but its live name deleted: a failing RENAME would leave the switch
 * half done, Lua does not roll back.
 */
const SWITCH = `
local function get(key) return redis.call('GET', key) or '' end
if get(KEYS[1]) ~= ARGV[1] or get(KEYS[2]) ~= ARGV[2] or get(KEYS[3]) ~= ARGV[3] then
  return 'retry'
end
if get(KEYS[4]) ~= ARGV[7] or get(KEYS[5]) ~= ARGV[4] then
  return redis.error_reply('SWITCH the generation is not the one built, or not where it was built to')
end
local deletes = tonumber(ARGV[5])
for i = 6, 5 + deletes do redis.call('DEL', KEYS[i]) end
for i = 6 + deletes, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[i + 1])
  else
    redis.call('DEL', KEYS[i + 1])
  end
end
if ARGV[1] == '' then redis.call('SET', KEYS[1], ARGV[6]) end
if ARGV[8] == '1' and ARGV[4] ~= '' then redis.call('SET', KEYS[2], ARGV[4]) end
redis.call('DEL', KEYS[4])
return 'switched'
`;

/** The keys on both sides, listed (SCAN) while the live run stood at a known position. */
export interface KeyLists {
  /** The live marker then: another one means the live keys were lost and rebuilt, list again. */
  marker: string;
  live: Set<string>;
  built: Set<string>;
}

export async function listKeys(
  redis: Redis,
  keyPrefix: string,
  generation: string,
  marker: string,
): Promise<KeyLists> {
  return {
    marker,
    live: await scanKeys(redis, keyPrefix, ROOM_CACHE_KEY_STARTS),
    built: await scanKeys(redis, keyPrefix, [generationPrefix(generation)]),
  };
}

export interface SwitchRequest {
  projection: string;
  generation: string;
  /** The live keys and what the live run had stored when the generation was caught up. */
  live: RunKeys;
  expected: LiveState;
  /** The generation's checkpoint ('' for none): the position readers are switched at. */
  at: string;
  /** False when the live run keeps no log checkpoint (it reads Kafka): its checkpoint stays ''. */
  moveLiveCheckpoint: boolean;
  /** Listed while the live run stood at or before `expected`, both generations then caught up. */
  keys: KeyLists;
  /**
   * The meetings of the events applied since the listing: the only keys either side can have
   * created since (the script's check that the live run did nothing else makes this complete).
   */
  touched: ReadonlySet<string>;
}

/**
 * Runs the switch. Listing the keys is kept out of the moment between reading the live state and
 * the script, which the live run must leave alone: only the touched meetings' keys are added.
 */
export async function switchGeneration(redis: Redis, request: SwitchRequest): Promise<'switched' | 'retry'> {
  const built = generationPrefix(request.generation);
  const liveNames = new Set(request.keys.live);
  const { live: keys, expected } = request;
  // The generation's own marker, checkpoint and applied position go too.
  const builtNames = new Set([...request.keys.built, ...Object.values(keys).map((k) => built + k)]);
  for (const meetingId of request.touched) {
    for (const start of ROOM_CACHE_KEY_STARTS) {
      liveNames.add(start + meetingId);
      builtNames.add(built + start + meetingId);
    }
  }
  const renames: string[] = [];
  const deletes: string[] = [];
  for (const key of builtNames) {
    const name = key.slice(built.length);
    if (ROOM_CACHE_KEY_STARTS.some((start) => name.startsWith(start))) {
      renames.push(key, name);
      liveNames.delete(name); // RENAME overwrites it, or, the generation lacking it, it is deleted
    } else deletes.push(key);
  }
  deletes.push(...liveNames);
  const result = await redis.eval(
    SWITCH,
    5 + deletes.length + renames.length,
    keys.marker,
    keys.checkpoint,
    keys.applied,
    rebuildStateKey(request.projection),
    built + keys.checkpoint,
    ...deletes,
    ...renames,
    expected.marker,
    expected.checkpoint,
    expected.applied,
    request.at,
    deletes.length,
    randomUUID(),
    request.generation,
    request.moveLiveCheckpoint ? '1' : '',
  );
  return result === 'switched' ? 'switched' : 'retry';
}
