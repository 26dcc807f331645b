/**
 * The Redis layout of bearer sessions, shared by the services that read or change them (the
 * command service creates and revokes them, query-api checks them, a projection applies role
 * changes, disables and deletions to them). Keys are given without the deployment's REDIS_KEY_PREFIX.
 *
 *   session:<id>           hash: the session (id = SHA-256 of the bearer token): the seed's
 *                          `user_id`, `username`, `email`, `login_time`, `last_activity` (epoch
 *                          seconds), and `session_id`, `ip`, `user_agent`, `role` and
 *                          `role_version` (the user stream version the role is from), which the
 *                          scripts here and in the session-roles projection compare
 *   user-sessions:<userId> set: the ids of the user's sessions, pruned of ended ones as it is read
 *   user-revoked:<userId>  string: the user stream version of the last disable or deletion; a
 *                          session read from an older version is never created (a log-in racing
 *                          the revocation), see REVOKE_USER_SESSIONS_LUA
 *   user-role:<userId>     hash: `role` and `version` of the last role change applied; a session
 *                          read from an older version is created with it (a log-in racing the
 *                          change), kept as long as the revocation marker
 */
export const SESSION_KEY_PREFIX = 'session:';
export const sessionKey = (sessionId: string) => `${SESSION_KEY_PREFIX}${sessionId}`;
export const userSessionsKey = (userId: string) => `user-sessions:${userId}`;
export const userRevokedKey = (userId: string) => `user-revoked:${userId}`;
export const userRoleKey = (userId: string) => `user-role:${userId}`;

/**
 * How long a revocation or role marker is kept: far longer than any log-in takes between reading the user
 * and creating its session, which is all the marker has to outlive.
 */
export const REVOCATION_MARKER_TTL_SECONDS = 86_400;

/**
 * A Lua function ending a user's sessions as of a user stream version: it raises the marker to
 * `version` and deletes every session read from an older version (a session from a later log-in,
 * after a re-enable, survives a replayed disable). Shared by the command service (at once, after
 * the append) and the session projection (the backstop), so both mean the same.
 * `revoke_user_sessions(index_key, marker_key, session_prefix, version, marker_ttl)` → ended count.
 */
export const REVOKE_USER_SESSIONS_LUA = `
local function revoke_user_sessions(index_key, marker_key, session_prefix, version, marker_ttl)
  local v = tonumber(version)
  if tonumber(redis.call('GET', marker_key) or '0') < v then
    redis.call('SET', marker_key, version, 'EX', marker_ttl)
  end
  local ended = 0
  for _, id in ipairs(redis.call('SMEMBERS', index_key)) do
    local key = session_prefix .. id
    if redis.call('EXISTS', key) == 0 then
      redis.call('SREM', index_key, id)
    elseif tonumber(redis.call('HGET', key, 'role_version') or '0') < v then
      redis.call('DEL', key)
      redis.call('SREM', index_key, id)
      ended = ended + 1
    end
  end
  return ended
end
`;
