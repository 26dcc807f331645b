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
      base: { service: 'sfu-node' },
      // Clients may pass the bearer token in the query string.
      redact: { paths: ['req.headers.authorization', 'token'], censor: '[redacted]' },
    },
    logDestination('sfu-node', mongo),
  );
}
