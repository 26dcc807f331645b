import { ConfigError, LogLevel, parseConfig } from '@meetings/events';
import { z } from 'zod';

/** An http(s) or ws(s) URL, as a browser page would be given it. */
const UrlOf = (protocols: string[]) =>
  z.url().refine((text) => URL.canParse(text) && protocols.includes(new URL(text).protocol), {
    error: `must be ${protocols.map((p) => p.replace(':', '://')).join(' or ')}`,
  });

/**
 * Every setting of the web client's server, read from the environment once at start. The URLs are
 * the ones the browser uses (they reach the page through `GET /config.json`), so they must be
 * reachable from where the browser runs, not only from this server.
 */
export const WebClientConfigSchema = z
  .object({
    WEB_CLIENT_HOST: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port (tests). */
    WEB_CLIENT_PORT: z.coerce.number().int().min(0).max(65535).default(3003),
    WEB_CLIENT_COMMAND_API_URL: UrlOf(['http:', 'https:']).default('http://127.0.0.1:3000'),
    WEB_CLIENT_QUERY_API_URL: UrlOf(['http:', 'https:']).default('http://127.0.0.1:3001'),
    /** The SFU's signaling WebSocket; unset, the page asks the query API which node holds the meeting. */
    WEB_CLIENT_SFU_URL: UrlOf(['ws:', 'wss:']).optional(),
    LOG_LEVEL: LogLevel,
  })
  .transform((c) => ({
    host: c.WEB_CLIENT_HOST,
    port: c.WEB_CLIENT_PORT,
    logLevel: c.LOG_LEVEL,
    /** Exactly what `GET /config.json` answers. */
    page: {
      commandApiUrl: c.WEB_CLIENT_COMMAND_API_URL.replace(/\/+$/, ''),
      queryApiUrl: c.WEB_CLIENT_QUERY_API_URL.replace(/\/+$/, ''),
      sfuUrl: c.WEB_CLIENT_SFU_URL ?? null,
    },
  }));

export type WebClientConfig = z.infer<typeof WebClientConfigSchema>;

export { ConfigError };

/** Parses the environment; a missing or wrong setting fails with one line naming it. */
export function loadWebClientConfig(env: NodeJS.ProcessEnv = process.env): WebClientConfig {
  return parseConfig(WebClientConfigSchema, env);
}
