import {
  REVOCATION_MARKER_TTL_SECONDS,
  REVOKE_USER_SESSIONS_LUA,
  SESSION_KEY_PREFIX,
  userRevokedKey,
  userRoleKey,
  userSessionsKey,
} from '@meetings/events';
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
 * from the index on the way. The change is also kept in `user-role:<userId>`, which a session
 * created later from an older read of the user takes its role from (a log-in racing the change).
 * One fenced script call per event (see RedisTarget).
 *
 *   KEYS[1] the user's index, KEYS[2], KEYS[3] the fence, KEYS[4] the role marker
 *   ARGV[1] session key prefix (the client's prefix included), ARGV[2] role, ARGV[3] version,
 *   ARGV[4], ARGV[5] the fence's generation and checkpoint, ARGV[6] the marker's TTL
 */
const ROLE_SCRIPT = `${FENCE_LUA}
local refused = fence(KEYS[2], KEYS[3], ARGV[4], ARGV[5])
if refused then return refused end
local version = tonumber(ARGV[3])
if tonumber(redis.call('HGET', KEYS[4], 'version') or '0') < version then
  redis.call('HSET', KEYS[4], 'role', ARGV[2], 'version', ARGV[3])
  redis.call('EXPIRE', KEYS[4], ARGV[6])
end
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

/**
 * A disabled or deleted account's sessions end: the backstop of the command service ending them
 * right after the append, should it die in between. Only sessions read from before the event end
 * (a replayed disable spares the sessions of a later re-enable), as REVOKE_USER_SESSIONS_LUA says.
 *
 *   KEYS[1] the user's index, KEYS[2] the revocation marker, KEYS[3], KEYS[4] the fence
 *   ARGV[1] session key prefix, ARGV[2] version, ARGV[3] the marker's TTL, ARGV[4], ARGV[5] the fence
 */
const REVOKE_SCRIPT = `${FENCE_LUA}${REVOKE_USER_SESSIONS_LUA}
local refused = fence(KEYS[3], KEYS[4], ARGV[4], ARGV[5])
if refused then return refused end
return revoke_user_sessions(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
`;

type ScriptCall = (...args: (string | number)[]) => Promise<number>;

/** The sessions users hold follow their role changes, disables and deletions. */
export class SessionRolesProjector implements Projector<RedisUnit> {
  readonly name = 'session-roles';
  readonly eventTypes: readonly EventType[] = ['UserRoleChanged', 'UserStatusChanged', 'UserDeleted'];

  /** @param keyPrefix the deployment's REDIS_KEY_PREFIX, which keys built inside the script need. */
  constructor(private readonly keyPrefix = '') {}

  async apply(tx: RedisUnit, events: readonly DecodedEvent[]): Promise<void> {
    const applyRole = scriptCommand<ScriptCall>(tx.redis, 'sessionRolesApply', 4, ROLE_SCRIPT);
    const revoke = scriptCommand<ScriptCall>(tx.redis, 'sessionRolesRevoke', 4, REVOKE_SCRIPT);
    const sessionPrefix = this.keyPrefix + SESSION_KEY_PREFIX;
    for (const event of events) {
      if (event.type === 'UserRoleChanged') {
        await applyRole(
          userSessionsKey(event.data.userId),
          ...tx.fence.keys,
          userRoleKey(event.data.userId),
          sessionPrefix,
          event.data.role,
          event.streamVersion,
          ...tx.fence.args,
          REVOCATION_MARKER_TTL_SECONDS,
        );
      } else if (
        event.type === 'UserDeleted' ||
        (event.type === 'UserStatusChanged' && event.data.status === 'disabled')
      ) {
        await revoke(
          userSessionsKey(event.data.userId),
          userRevokedKey(event.data.userId),
          ...tx.fence.keys,
          sessionPrefix,
          event.streamVersion,
          REVOCATION_MARKER_TTL_SECONDS,
          ...tx.fence.args,
        );
      }
    }
  }
}
