/** Where a user stands in the command quota after one more command was counted. */
export interface RateLimitQuota {
  /** Whether this command may run. */
  allowed: boolean;
  /** Commands allowed per window. */
  limit: number;
  windowSeconds: number;
  /** Commands left in the current window (0 once refused). */
  remaining: number;
  /** Seconds until the window ends and the quota is whole again (at least 1). */
  resetSeconds: number;
}

/**
 * Counts the commands of each signed-in user in a fixed window. Counting and deciding are one
 * atomic step, so concurrent requests of one user (on any instance) never exceed the limit.
 */
export interface CommandRateLimiter {
  take(userId: string): Promise<RateLimitQuota>;
}
