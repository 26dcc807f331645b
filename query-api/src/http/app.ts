import {
  correlation,
  corsFor,
  HttpProblem,
  httpMetrics,
  metricsRoute,
  problemFromError,
  problemFromRequestError,
  problems,
  sendProblem,
} from '@meetings/command-service/http';
import type { CorsPolicy, Registry } from '@meetings/command-service/http';
import express from 'express';
import type { ErrorRequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';
import { openApiDocument } from './openapi.js';
import { handlerFor } from './pipeline.js';
import type { PipelineDeps } from './pipeline.js';
import type { QueryRoute } from './route-spec.js';

export interface AppDeps extends PipelineDeps {
  routes: readonly QueryRoute[];
  logger: Logger;
  /** Readiness: resolves when every backing server answers. */
  checkReady: () => Promise<void>;
  /** Origins of web pages allowed to read the API from a browser (CORS_ORIGINS); none: no CORS. */
  corsOrigins?: readonly string[];
  /** Given: requests are counted and timed, and GET /metrics serves the registry. */
  metrics?: Registry;
}

/** What a browser page may send and read: bearer tokens, not cookies, so no credentials. */
const CORS_POLICY: CorsPolicy = {
  methods: ['GET'],
  allowedHeaders: ['Authorization', 'X-Correlation-Id'],
  exposedHeaders: ['ETag', 'Retry-After', 'X-Correlation-Id'],
  maxAge: 600,
};

const UPGRADE = { Upgrade: 'websocket' };

/** A bearer token in a URL (`/ws?token=`) must not reach the logs. */
const withoutToken = (url: string) => url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]');

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(correlation);
  // First: every request is counted, 404s included.
  if (deps.metrics) app.use(httpMetrics(deps.metrics));
  // Preflights are answered here, before the log.
  if (deps.corsOrigins?.length) app.use(corsFor(deps.corsOrigins, CORS_POLICY));
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req) => (req as express.Request).correlationId,
      quietReqLogger: true,
      serializers: {
        req: (req: { url?: string }) => ({ ...req, url: withoutToken(req.url ?? '') }),
      },
    }),
  );

  const document = openApiDocument(deps.routes);
  app.get('/openapi.json', (_req, res) => void res.json(document));
  if (deps.metrics) app.get('/metrics', metricsRoute(deps.metrics));
  app.get('/health/live', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/health/ready', (req, res) => {
    deps.checkReady().then(
      () => res.json({ status: 'ok' }),
      (error: unknown) => {
        req.log.warn({ err: error }, 'not ready');
        res.status(503).json({ status: 'unavailable' });
      },
    );
  });
  app.get('/ws', (req, res) => {
    const detail = 'connect with a WebSocket client (Connection: Upgrade, Upgrade: websocket)';
    sendProblem(req, res, new HttpProblem(426, 'upgrade-required', 'Upgrade required', detail, {}, UPGRADE));
  });
  for (const route of deps.routes) app.get(route.path, handlerFor(route, deps));

  app.use((req, res) => sendProblem(req, res, problems.notFound(`no route for ${req.method} ${req.path}`)));
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    // Malformed percent-encoding in the path (a URIError from the router) is the client's mistake.
    const problem = problemFromRequestError(error) ?? problemFromError(error, req.correlationId);
    if (problem.status >= 500) req.log.error({ err: error }, 'request failed');
    sendProblem(req, res, problem);
  };
  app.use(onError);
  return app;
}
