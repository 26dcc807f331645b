import { z } from 'zod';

/** `mongodb://…` or `mongodb+srv://…`, the driver's two URL schemes. */
const MongoUrl = z
  .string()
  .refine((url) => /^mongodb(\+srv)?:\/\/[^\s]+$/.test(url), 'not a mongodb:// or mongodb+srv:// URL');

/**
 * The analytics store (README, "MongoDB analytics"), named alike by every service: unset (or
 * empty), nothing is written to MongoDB and query-api's analytics answer 503.
 */
export const MONGO_SETTINGS = {
  MONGO_URL: z
    .string()
    .optional()
    .transform((text) => (text ? text : undefined))
    .pipe(MongoUrl.optional()),
  /** Database name: letters, digits, `_` and `-` (MongoDB forbids `/\. "$` and NUL in it). */
  MONGO_DATABASE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and -, at most 63')
    .default('meeting_system'),
};

export interface MongoSettings {
  MONGO_URL?: string | undefined;
  MONGO_DATABASE: string;
}
