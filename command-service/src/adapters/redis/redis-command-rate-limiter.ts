import type { Redis } from 'ioredis';
import type { CommandRateLimiter, RateLimitQuota } from '../../ports/command-rate-limiter.js';

// Counts and reads the window in one atomic step. The key has no TTL yet at the first command of a
// window (INCR created it), which starts the window; INCR on an existing key keeps its TTL.
//   KEYS[1] rate:<userId>; ARGV[1] window in seconds → {count, seconds left}
const TAKE_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`;

export const rateKey = (userId: string) => `rate:${userId}`;

/**
 * `rate:{userId}` (the seed's key): a counter of the user's commands in a fixed window of
 * `windowSeconds`, expiring with it. A refused command is counted too: it does not lengthen the
 * window, and a client hammering through the refusal gains nothing.
 */
export class RedisCommandRateLimiter implements CommandRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limit: number,
    private readonly windowSeconds: number,
  ) {}

  async take(userId: string): Promise<RateLimitQuota> {
    const [count, ttl] = (await this.redis.eval(TAKE_SCRIPT, 1, rateKey(userId), this.windowSeconds)) as [
      number,
      number,
    ];
    return {
      allowed: count <= this.limit,
      limit: this.limit,
      windowSeconds: this.windowSeconds,
      remaining: Math.max(this.limit - count, 0),
      resetSeconds: Math.max(ttl, 1),
    };
  }
}
