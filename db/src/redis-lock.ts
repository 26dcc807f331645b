import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The seed's lock lifetime: a holder that dies frees the resource within this. */
export const DEFAULT_LOCK_TTL_MS = 30_000;

/** The seed's key; without the deployment's REDIS_KEY_PREFIX, which the client adds. */
export const lockKey = (resourceId: string) => `lock:${resourceId}`;

// Compare-and-delete / compare-and-extend: only the holder whose id is stored may end or extend
// the lock. A holder whose lock expired and was taken by another must not free the new one.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export interface RedisLockOptions {
  /** Who holds the lock when this instance has it (stored as the value); a fresh UUID by default. */
  holderId?: string;
  /** Default DEFAULT_LOCK_TTL_MS. */
  ttlMs?: number;
}

/**
 * `lock:{resourceId}` = the holder's id, with a TTL: a lock among processes sharing one Redis, for
 * work that only one of them should do at a time (a sweep, a clean-up after a crashed node) and
 * that no PostgreSQL transaction covers (there, an advisory lock is the tool). Single Redis, no
 * Redlock quorum: a Redis that loses its data frees every lock, so the work it guards must stay
 * safe to run twice now and then; the lock makes that rare, it does not make it impossible.
 */
export class RedisLock {
  readonly holderId: string;
  readonly ttlMs: number;
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    readonly resourceId: string,
    options: RedisLockOptions = {},
  ) {
    this.holderId = options.holderId ?? randomUUID();
    this.ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
    this.key = lockKey(resourceId);
  }

  /** Takes the lock if it is free (SET NX); true when this holder has it now. */
  async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.holderId, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /** Extends the lock to a full TTL again; false when this holder no longer has it. */
  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.holderId, this.ttlMs)) === 1;
  }

  /** Frees the lock if this holder has it; false (and nothing deleted) otherwise. */
  async release(): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.key, this.holderId)) === 1;
  }

  /** The current holder's id, or null when the lock is free. */
  holder(): Promise<string | null> {
    return this.redis.get(this.key);
  }

  /**
   * Runs `work` if the lock can be taken, renewing it every third of the TTL while the work runs,
   * and releases it after. `signal` aborts when a renewal finds the lock lost (expired during a
   * stall, then taken by another): the work should stop writing. Resolves to whether it ran.
   */
  async runExclusive(work: (signal: AbortSignal) => Promise<void>): Promise<boolean> {
    if (!(await this.acquire())) return false;
    const lost = new AbortController();
    const timer = setInterval(() => {
      this.renew().then(
        (held) => held || lost.abort(new Error(`lost the lock on ${this.resourceId}`)),
        (error: unknown) => lost.abort(error),
      );
    }, this.ttlMs / 3);
    try {
      await work(lost.signal);
      return true;
    } finally {
      clearInterval(timer);
      // A release that fails (Redis unreachable) leaves the lock to its TTL.
      await this.release().catch(() => false);
    }
  }
}
