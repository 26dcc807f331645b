/**
 * The Redis layout of bearer sessions, shared by the services that read or change them (the
 * command service creates and revokes them, query-api checks them, a projection applies role
 * changes to them). Keys are given without the deployment's REDIS_KEY_PREFIX.
 *
 *   session:<id>           hash: the session (id = SHA-256 of the bearer token); `role` and
 *                          `role_version` (the user stream version the role is from)
 *   user-sessions:<userId> set: the ids of the user's sessions, pruned of ended ones as it is read
 */
export const SESSION_KEY_PREFIX = 'session:';
export const sessionKey = (sessionId: string) => `${SESSION_KEY_PREFIX}${sessionId}`;
export const userSessionsKey = (userId: string) => `user-sessions:${userId}`;
