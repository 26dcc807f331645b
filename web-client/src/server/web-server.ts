import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { WebClientConfig } from '../config.js';
import type { Logger } from '../logger.js';

/**
 * Where scripts/build-page.mjs writes the page (index.html and the bundle). The same path from
 * src/server (run through tsx) and from dist/server (built).
 */
export const PUBLIC_DIR = fileURLToPath(new URL('../../dist/public/', import.meta.url));

export interface RunningWebClient {
  port: number;
  close(): Promise<void>;
}

export function createWebApp(config: WebClientConfig): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Read by the page at every load: a changed setting must not wait for a cache to expire.
  app.get('/config.json', (_req, res) => void res.set('Cache-Control', 'no-store').json(config.page));
  app.use(express.static(PUBLIC_DIR, { index: 'index.html' }));
  return app;
}

/** Serves the page; fails at once when it was not built, rather than answering 404s. */
export async function startWebClient(config: WebClientConfig, logger: Logger): Promise<RunningWebClient> {
  if (!existsSync(`${PUBLIC_DIR}index.html`)) {
    throw new Error(`no page in ${PUBLIC_DIR}: build it with npm run build (or npm run build -w web-client)`);
  }
  const server: Server = createWebApp(config).listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ host: config.host, port, ...config.page }, 'web-client listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
