import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'query-api' },
    redact: {
      // WebSocket clients may pass the bearer token in the query string.
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query.token'],
      censor: '[redacted]',
    },
  });
}
