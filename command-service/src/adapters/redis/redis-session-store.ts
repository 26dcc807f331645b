import { createHash, randomBytes } from 'node:crypto';
import {
  REVOCATION_MARKER_TTL_SECONDS,
  REVOKE_USER_SESSIONS_LUA,
  SESSION_KEY_PREFIX,
  sessionKey,
  userRevokedKey,
  userRoleKey,
  userSessionsKey,
} from '@meetings/events';
import type { Redis } from 'ioredis';
import { SessionsRevoked } from '../../ports/session-store.js';
import type { LoginThrottle, NewSession, Session, SessionStore } from '../../ports/session-store.js';

// Refresh only a session that still exists: a plain EXPIRE + HSET would resurrect an expired one.
const TOUCH_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
redis.call('HSET', KEYS[1], 'last_activity', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])`;

// The session, and its id in the user's index (pruned of sessions that ended), in one step; none
// (0) when the user's sessions were revoked at a version newer than the one the log-in read: the
// check and the creation are atomic, so a log-in racing a disable cannot slip a session past it.
// Likewise a role change applied since the version read (the role marker) is the session's role.
//   KEYS[1] session, KEYS[2] the user's index, KEYS[3] the revocation marker, KEYS[4] the role
//   marker; ARGV[1] TTL,
//   ARGV[2] session key prefix (the client's prefix included: keys built here are not prefixed by
//   ioredis), ARGV[3] session id, ARGV[4] the version read, ARGV[5..] the hash's fields and values
const CREATE_SCRIPT = `
if tonumber(redis.call('GET', KEYS[3]) or '0') > tonumber(ARGV[4]) then return 0 end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[2] .. id) == 0 then redis.call('SREM', KEYS[2], id) end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
local changed = redis.call('HMGET', KEYS[4], 'role', 'version')
if changed[2] and tonumber(changed[2]) > tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[1], 'role', changed[1], 'role_version', changed[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
return 1`;

//   KEYS[1] the user's index, KEYS[2] the revocation marker; ARGV[1] session key prefix, ARGV[2]
//   the version of the disable or deletion, ARGV[3] the marker's TTL
const REVOKE_USER_SCRIPT = `${REVOKE_USER_SESSIONS_LUA}
return revoke_user_sessions(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])`;

// Read-only: whether each key exists, in the order given.
const EXISTS_SCRIPT = `
local found = {}
for i, key in ipairs(KEYS) do found[i] = redis.call('EXISTS', key) end
return found`;

/** Keys per script call of `alive`. */
const ALIVE_CHUNK = 1000;

const epochSeconds = () => Math.floor(Date.now() / 1000);

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * `session:{id}` hashes with a sliding TTL. The id is the SHA-256 of the bearer token, so whoever
 * can read Redis still cannot impersonate anyone. The seed's fields `user_id`, `username`, `email`,
 * `login_time` and `last_activity` (epoch seconds; refreshed on every use, with the TTL), and what
 * the system needs beside them: `session_id`, `role`, `role_version`, `ip`, `user_agent`.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  private key(sessionId: string) {
    return sessionKey(sessionId);
  }

  /** Keys built inside a script are not prefixed by ioredis: the client's prefix is added here. */
  private sessionPrefix() {
    return (this.redis.options.keyPrefix ?? '') + SESSION_KEY_PREFIX;
  }

  async create(input: NewSession) {
    const token = randomBytes(32).toString('base64url');
    const now = epochSeconds();
    const session: Session = { sessionId: hashToken(token), ...input, loginTime: now, lastActivity: now };
    const fields = {
      session_id: session.sessionId,
      user_id: session.userId,
      username: session.username,
      email: session.email,
      role: session.role,
      role_version: String(session.roleVersion),
      login_time: String(session.loginTime),
      last_activity: String(session.lastActivity),
      ip: session.ip,
      user_agent: session.userAgent,
    };
    const created = await this.redis.eval(
      CREATE_SCRIPT,
      4,
      this.key(session.sessionId),
      userSessionsKey(session.userId),
      userRevokedKey(session.userId),
      userRoleKey(session.userId),
      this.ttlSeconds,
      this.sessionPrefix(),
      session.sessionId,
      session.roleVersion,
      ...Object.entries(fields).flat(),
    );
    if (created === 0) throw new SessionsRevoked(session.userId);
    return { token, session, expiresInSeconds: this.ttlSeconds };
  }

  async touch(token: string): Promise<Session | null> {
    const sessionId = hashToken(token);
    const flat = (await this.redis.eval(
      TOUCH_SCRIPT,
      1,
      this.key(sessionId),
      epochSeconds(),
      this.ttlSeconds,
    )) as string[] | null;
    if (!flat) return null;
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
    return {
      sessionId,
      userId: f.get('user_id') ?? '',
      username: f.get('username') ?? '',
      email: f.get('email') ?? '',
      role: f.get('role') === 'admin' ? 'admin' : 'user',
      roleVersion: Number(f.get('role_version') ?? 0),
      loginTime: Number(f.get('login_time') ?? 0),
      lastActivity: Number(f.get('last_activity') ?? 0),
      ip: f.get('ip') ?? '',
      userAgent: f.get('user_agent') ?? '',
    };
  }

  async revoke(token: string): Promise<boolean> {
    return (await this.redis.del(this.key(hashToken(token)))) === 1;
  }

  async revokeUser(userId: string, version: number): Promise<number> {
    return (await this.redis.eval(
      REVOKE_USER_SCRIPT,
      2,
      userSessionsKey(userId),
      userRevokedKey(userId),
      this.sessionPrefix(),
      version,
      REVOCATION_MARKER_TTL_SECONDS,
    )) as number;
  }

  /**
   * EXISTS (which never touches a TTL) for each id, in one script call per chunk of ids, the calls
   * written back to back: thousands of ids cost one round trip, a few milliseconds of client CPU
   * (a pipeline of single EXISTS commands costs several times more) and well under a millisecond
   * of Redis time per chunk.
   */
  async alive(sessionIds: readonly string[]): Promise<Set<string>> {
    const ids = [...new Set(sessionIds)];
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += ALIVE_CHUNK) chunks.push(ids.slice(i, i + ALIVE_CHUNK));
    const replies = await Promise.all(
      chunks.map((chunk) => this.redis.eval(EXISTS_SCRIPT, chunk.length, ...chunk.map((id) => this.key(id)))),
    );
    const alive = new Set<string>();
    chunks.forEach((chunk, c) => {
      const found = replies[c] as number[];
      chunk.forEach((id, i) => found[i] === 1 && alive.add(id));
    });
    return alive;
  }
}

/**
 * Failed log-ins per name in a fixed window; at the limit the name is locked for the window. Keyed
 * by the name's blind digest (see LoginThrottle), never by the name.
 */
export class RedisLoginThrottle implements LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
  ) {}

  private key(name: string) {
    return `login_failures:${name}`;
  }

  /** Seconds until the name may try again; 0 when it may now. */
  async isLocked(name: string): Promise<number> {
    const [count, ttl] = await Promise.all([this.redis.get(this.key(name)), this.redis.ttl(this.key(name))]);
    return Number(count ?? 0) >= this.maxFailures ? Math.max(ttl, 1) : 0;
  }

  async recordFailure(name: string): Promise<void> {
    await this.redis.multi().incr(this.key(name)).expire(this.key(name), this.windowSeconds, 'NX').exec();
  }

  async reset(name: string): Promise<void> {
    await this.redis.del(this.key(name));
  }
}
