import type { RateLimitQuota } from '../ports/command-rate-limiter.js';
import { HttpProblem } from './problem.js';

/** The quota policy's name in the RateLimit headers. */
const POLICY = 'commands';

/**
 * The RateLimit-Policy and RateLimit fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers,
 * revisions 08 to 11: structured-field lists, `q` quota and `w` window of the policy, `r`
 * remaining and `t` seconds until it is whole again), sent with every answer of a limited route.
 */
export function rateLimitHeaders(quota: RateLimitQuota): Record<string, string> {
  return {
    'RateLimit-Policy': `"${POLICY}";q=${quota.limit};w=${quota.windowSeconds}`,
    RateLimit: `"${POLICY}";r=${quota.remaining};t=${quota.resetSeconds}`,
  };
}

/** 429: the user sent more commands than the window allows; nothing was run. */
export function rateLimited(quota: RateLimitQuota): HttpProblem {
  return new HttpProblem(
    429,
    'rate-limited',
    'Too many requests',
    `at most ${quota.limit} commands per ${quota.windowSeconds} s; retry in ${quota.resetSeconds} s`,
    { rule: 'command-rate-limit' },
    { 'Retry-After': String(quota.resetSeconds), ...rateLimitHeaders(quota) },
  );
}
