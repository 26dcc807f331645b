import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'sfu-node' },
    // Clients may pass the bearer token in the query string.
    redact: { paths: ['req.headers.authorization', 'token'], censor: '[redacted]' },
  });
}
