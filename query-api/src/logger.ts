import { logDestination } from '@meetings/db';
import type { MongoSettings } from '@meetings/db';
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** With `mongo.MONGO_URL` set, warnings and errors also go to MongoDB's `logs` (README). */
export function createLogger(level: string, mongo?: Partial<MongoSettings>): Logger {
  return pino(
    {
      level,
      base: { service: 'query-api' },
      redact: {
        // WebSocket clients may pass the bearer token in the query string.
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query.token'],
        censor: '[redacted]',
      },
    },
    logDestination('query-api', mongo),
  );
}
