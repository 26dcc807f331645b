import { z } from 'zod';

/** The settings every service names alike, with the local profile's defaults. */
export const DatabaseUrl = z.string().url().default('postgres://postgres@127.0.0.1:5432/meetings');
export const RedisUrl = z.string().url().default('redis://127.0.0.1:6379');
export const LogLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** An exact origin as a browser sends it in `Origin`: scheme, host and port, no path. */
const isOrigin = (text: string) => URL.canParse(text) && new URL(text).origin === text;

/**
 * CORS_ORIGINS of the two APIs: comma-separated origins of web pages allowed to call them from a
 * browser; none by default, and then no CORS header is sent at all.
 */
export const CorsOrigins = z
  .string()
  .optional()
  .transform((text) => (text ? text.split(',').map((origin) => origin.trim()) : []))
  .pipe(z.array(z.string().refine(isOrigin, 'not an origin (scheme://host[:port], no path)')));

/** PostgreSQL, Redis (with the deployment's key prefix) and the log level; pool sizes differ per service. */
export const STORE_SETTINGS = {
  DATABASE_URL: DatabaseUrl,
  REDIS_URL: RedisUrl,
  REDIS_KEY_PREFIX: z.string().default(''),
  LOG_LEVEL: LogLevel,
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Every service reads its settings once at start through its own schema; a missing or wrong
 * setting fails with one line naming each offending variable.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const details = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${details}`);
  }
  return result.data;
}

/**
 * The exit code of a service whose configuration is wrong (sysexits' EX_CONFIG): a supervisor
 * restarting it would only fail again, so `npm start` stops instead.
 */
export const EXIT_CONFIG = 78;

/** A service's entry point: its settings, or one line naming what is wrong and EXIT_CONFIG. */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${service}: ${error.message}`);
    process.exit(EXIT_CONFIG);
  }
}
