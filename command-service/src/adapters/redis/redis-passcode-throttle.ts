import type { Redis } from 'ioredis';
import type { LoginThrottle } from '../../ports/session-store.js';

/**
 * Wrong passcodes per `<meetingId>:<userId>` in a fixed window, as the log-in throttle counts failed
 * log-ins per username: at the limit that user may not try that meeting's passcode until the
 * window ends. Keyed by user too, so that a guesser cannot lock others out of the meeting.
 */
export class RedisPasscodeThrottle implements LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
  ) {}

  private key(attempt: string) {
    return `passcode_failures:${attempt}`;
  }

  /** Seconds until the user may try again; 0 when they may now. */
  async isLocked(attempt: string): Promise<number> {
    const [count, ttl] = await Promise.all([
      this.redis.get(this.key(attempt)),
      this.redis.ttl(this.key(attempt)),
    ]);
    return Number(count ?? 0) >= this.maxFailures ? Math.max(ttl, 1) : 0;
  }

  async recordFailure(attempt: string): Promise<void> {
    await this.redis
      .multi()
      .incr(this.key(attempt))
      .expire(this.key(attempt), this.windowSeconds, 'NX')
      .exec();
  }

  async reset(attempt: string): Promise<void> {
    await this.redis.del(this.key(attempt));
  }
}
