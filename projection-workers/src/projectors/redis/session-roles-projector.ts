import { SESSION_KEY_PREFIX, userSessionsKey } from '@meetings/events';
import type { DecodedEvent, EventType } from '@meetings/events';
import { FENCE_LUA } from '../../adapters/redis/redis-target.js';
import type { RedisUnit } from '../../adapters/redis/redis-target.js';
import type { Projector } from '../projector.js';
import { scriptCommand } from './script-command.js';

/**
 * Applies a user's role change to the sessions the user already holds (`session:<id>` hashes,
 * found through `user-sessions:<userId>`, see events/src/session-keys.ts), so that an admin made a
 * plain user loses the rights at once, not at the next log-in. Each session keeps the user stream
 * version its role is from (`role_version`, set at log-in): a change at or below it is not newer
 * and changes nothing, so redeliveries and rebuilds are harmless. Ids of ended sessions are pruned
 * from the index on the way. One fenced script call per event (see RedisTarget).
 *
 *   KEYS[1] the user's index, KEYS[2], KEYS[3] the fence
 *   ARGV[1] session key prefix (the client's prefix included), ARGV[2] role, ARGV[3] version,
 *   ARGV[4], ARGV[5] the fence's generation and checkpoint
 */
const SCRIPT = `${FENCE_LUA}
local refused = fence(KEYS[2], KEYS[3], ARGV[4], ARGV[5])
if refused then return refused end
local version = tonumber(ARGV[3])
local changed = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('SREM', KEYS[1], id)
  elseif tonumber(redis.call('HGET', key, 'role_version') or '0') < version then
    redis.call('HSET', key, 'role', ARGV[2], 'role_version', ARGV[3])
    changed = changed + 1
  end
end
return changed
`;

const COMMAND = 'sessionRolesApply';
type SessionRolesCommand = (...args: (string | number)[]) => Promise<number>;

export class SessionRolesProjector implements Projector<RedisUnit> {
  readonly name = 'session-roles';
  readonly eventTypes: readonly EventType[] = ['UserRoleChanged'];

  /** @param keyPrefix the deployment's REDIS_KEY_PREFIX, which keys built inside the script need. */
  constructor(private readonly keyPrefix = '') {}

  async apply(tx: RedisUnit, events: readonly DecodedEvent[]): Promise<void> {
    const run = scriptCommand<SessionRolesCommand>(tx.redis, COMMAND, 3, SCRIPT);
    for (const event of events) {
      if (event.type !== 'UserRoleChanged') continue;
      await run(
        userSessionsKey(event.data.userId),
        ...tx.fence.keys,
        this.keyPrefix + SESSION_KEY_PREFIX,
        event.data.role,
        event.streamVersion,
        ...tx.fence.args,
      );
    }
  }
}
