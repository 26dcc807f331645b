import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { writeMetrics } from './metrics.js';

/**
 * The settings of a worker's metrics and health server: where GET /metrics, /health/live and
 * /health/ready listen. No auth: the host defaults to loopback; 0 is any free port.
 */
export function metricsSettings(defaultPort: number) {
  return {
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
  };
}

export interface HealthServerOptions {
  host: string;
  /** 0: any free port (the answer's `port` says which). */
  port: number;
  registry: Registry;
  /** Resolves when the process can do its work; a rejection (logged) answers 503. */
  checkReady: () => Promise<void>;
  logger: Logger;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

const json = (status: number, body: unknown) =>
  [status, { 'Content-Type': 'application/json' }, JSON.stringify(body)] as const;

/**
 * The small HTTP server of a process that has no API (projection workers, relay, notification
 * and AI workers): GET /metrics, /health/live and /health/ready, nothing else. No auth: bind it to
 * a private interface (README, "Metrics and health").
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { registry, checkReady, logger } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, headers: Record<string, string>, body: string) =>
      void res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : body);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(
        405,
        { Allow: 'GET, HEAD', 'Content-Type': 'application/json' },
        '{"status":"method not allowed"}',
      );
    } else if (path === '/metrics') {
      writeMetrics(registry, res).catch((error: unknown) => {
        logger.error({ err: error }, 'metrics collection failed');
        if (!res.headersSent) answer(...json(500, { status: 'error' }));
      });
    } else if (path === '/health/live') {
      answer(...json(200, { status: 'ok' }));
    } else if (path === '/health/ready') {
      checkReady().then(
        () => answer(...json(200, { status: 'ok' })),
        (error: unknown) => {
          logger.warn({ err: error }, 'not ready');
          answer(...json(503, { status: 'unavailable' }));
        },
      );
    } else {
      answer(...json(404, { status: 'not found' }));
    }
  });
  // Scrapes and probes are short: a client silent for long is cut.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ host: options.host, port }, 'metrics and health listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
