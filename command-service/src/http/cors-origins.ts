import cors from 'cors';
import type { CorsOptions } from 'cors';
import type { RequestHandler } from 'express';

/** What a browser page may send and read: bearer tokens, not cookies, so no credentials. */
export type CorsPolicy = Pick<CorsOptions, 'methods' | 'allowedHeaders' | 'exposedHeaders' | 'maxAge'>;

/**
 * CORS for the listed origins only: another origin's request (a preflight included) passes on
 * without any CORS header, so its browser refuses the answer. Every answer varies by Origin.
 * Shared by both APIs, each with its own policy.
 */
export function corsFor(origins: readonly string[], policy: CorsPolicy): RequestHandler[] {
  const allowed = new Set(origins);
  return [
    (_req, res, next) => (res.vary('Origin'), next()),
    cors((req, callback) => {
      const origin = req.headers.origin;
      callback(null, origin && allowed.has(origin) ? { ...policy, origin } : { origin: false });
    }),
  ];
}
