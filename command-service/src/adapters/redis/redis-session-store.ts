import { createHash, randomBytes } from 'node:crypto';
import { SESSION_KEY_PREFIX, sessionKey, userSessionsKey } from '@meetings/events';
import type { Redis } from 'ioredis';
import type { LoginThrottle, NewSession, Session, SessionStore } from '../../ports/session-store.js';

// Refresh only a session that still exists: a plain EXPIRE + HSET would resurrect an expired one.
const TOUCH_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
redis.call('HSET', KEYS[1], 'last_active_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])`;

// The session, and its id in the user's index (pruned of sessions that ended), in one step.
//   KEYS[1] session, KEYS[2] the user's index; ARGV[1] TTL, ARGV[2] session key prefix (the
//   client's prefix included: keys built here are not prefixed by ioredis), ARGV[3] session id,
//   ARGV[4..] the hash's fields and values
const CREATE_SCRIPT = `
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[2] .. id) == 0 then redis.call('SREM', KEYS[2], id) end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
return 1`;

// Read-only: whether each key exists, in the order given.
const EXISTS_SCRIPT = `
local found = {}
for i, key in ipairs(KEYS) do found[i] = redis.call('EXISTS', key) end
return found`;

/** Keys per script call of `alive`. */
const ALIVE_CHUNK = 1000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * `session:{id}` hashes (the seed's layout) with a sliding TTL. The id is the SHA-256 of the bearer
 * token, so whoever can read Redis still cannot impersonate anyone.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  private key(sessionId: string) {
    return sessionKey(sessionId);
  }

  async create(input: NewSession) {
    const token = randomBytes(32).toString('base64url');
    const now = new Date().toISOString();
    const session: Session = { sessionId: hashToken(token), ...input, createdAt: now, lastActiveAt: now };
    const fields = {
      session_id: session.sessionId,
      user_id: session.userId,
      username: session.username,
      role: session.role,
      role_version: String(session.roleVersion),
      created_at: session.createdAt,
      last_active_at: session.lastActiveAt,
      ip: session.ip,
      user_agent: session.userAgent,
    };
    await this.redis.eval(
      CREATE_SCRIPT,
      2,
      this.key(session.sessionId),
      userSessionsKey(session.userId),
      this.ttlSeconds,
      (this.redis.options.keyPrefix ?? '') + SESSION_KEY_PREFIX,
      session.sessionId,
      ...Object.entries(fields).flat(),
    );
    return { token, session, expiresInSeconds: this.ttlSeconds };
  }

  async touch(token: string): Promise<Session | null> {
    const sessionId = hashToken(token);
    const flat = (await this.redis.eval(
      TOUCH_SCRIPT,
      1,
      this.key(sessionId),
      new Date().toISOString(),
      this.ttlSeconds,
    )) as string[] | null;
    if (!flat) return null;
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
    return {
      sessionId,
      userId: f.get('user_id') ?? '',
      username: f.get('username') ?? '',
      role: f.get('role') === 'admin' ? 'admin' : 'user',
      roleVersion: Number(f.get('role_version') ?? 0),
      createdAt: f.get('created_at') ?? '',
      lastActiveAt: f.get('last_active_at') ?? '',
      ip: f.get('ip') ?? '',
      userAgent: f.get('user_agent') ?? '',
    };
  }

  async revoke(token: string): Promise<boolean> {
    return (await this.redis.del(this.key(hashToken(token)))) === 1;
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

/** Failed log-ins per username in a fixed window; at the limit the name is locked for the window. */
export class RedisLoginThrottle implements LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
  ) {}

  private key(username: string) {
    return `login_failures:${username.toLowerCase()}`;
  }

  /** Seconds until the name may try again; 0 when it may now. */
  async isLocked(username: string): Promise<number> {
    const [count, ttl] = await Promise.all([
      this.redis.get(this.key(username)),
      this.redis.ttl(this.key(username)),
    ]);
    return Number(count ?? 0) >= this.maxFailures ? Math.max(ttl, 1) : 0;
  }

  async recordFailure(username: string): Promise<void> {
    await this.redis
      .multi()
      .incr(this.key(username))
      .expire(this.key(username), this.windowSeconds, 'NX')
      .exec();
  }

  async reset(username: string): Promise<void> {
    await this.redis.del(this.key(username));
  }
}
