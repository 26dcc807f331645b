import express from 'express';
import { corsFor } from './cors-origins.js';
import type { CorsPolicy } from './cors-origins.js';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';
import { correlation } from './correlation.js';
import { httpMetrics, metricsRoute } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { UPLOAD_ROUTE_DOCS } from './upload-docs.js';
import { handlerFor, sendProblem } from './pipeline.js';
import type { PipelineDeps } from './pipeline.js';
import { problems, problemFromError } from './problem.js';
import { CONTENT_ENCODINGS, problemFromRequestError, unstorableStrings } from './request-checks.js';
import type { RouteSpec } from './route-spec.js';

export interface AppDeps extends PipelineDeps {
  routes: readonly RouteSpec[];
  bodyLimitBytes: number;
  logger: Logger;
  /** Readiness: resolves when every backing server answers. */
  checkReady: () => Promise<void>;
  /** Origins of web pages allowed to call the API from a browser (CORS_ORIGINS); none: no CORS. */
  corsOrigins?: readonly string[];
  /** Endpoints whose body is a file (upload-routes.ts), mounted before the JSON-only checks. */
  rawBodyRoutes?: RequestHandler;
}

/** What a browser page may send and read: bearer tokens, not cookies, so no credentials. */
const CORS_POLICY: CorsPolicy = {
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Correlation-Id'],
  exposedHeaders: ['ETag', 'Location', 'Retry-After', 'X-Correlation-Id'],
  maxAge: 600,
};

/**
 * A body must be JSON, sent as is or compressed with gzip, deflate or br (a stream that does not
 * decompress is a 400); requests without one (no length, no chunked encoding) pass.
 */
const jsonOnly: RequestHandler = (req, _res, next) => {
  const hasBody =
    Number(req.header('content-length') ?? 0) > 0 || req.header('transfer-encoding') !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    next(
      problems.unsupportedMediaType(
        `send the body as application/json, not ${req.header('content-type') ?? 'no content type'}`,
      ),
    );
    return;
  }
  const encoding = (req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (hasBody && !CONTENT_ENCODINGS.includes(encoding)) {
    next(
      problems.unsupportedMediaType(
        `Content-Encoding ${JSON.stringify(encoding)} is not supported: send identity, gzip, deflate or br`,
      ),
    );
    return;
  }
  next();
};

/** Every string of the body and the query must be storable: no NUL, no lone surrogate (400 naming each). */
const storableText: RequestHandler = (req, _res, next) => {
  const errors = [...unstorableStrings(req.body, 'body'), ...unstorableStrings(req.query, 'query')];
  next(errors.length > 0 ? problems.validation(errors) : undefined);
};

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(correlation);
  // First: every request is counted, refusals of the checks below and 404s included.
  if (deps.metrics) app.use(httpMetrics(deps.metrics));
  // Preflights are answered here, before the log and the checks of commands.
  if (deps.corsOrigins?.length) app.use(corsFor(deps.corsOrigins, CORS_POLICY));
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req) => (req as express.Request).correlationId,
      quietReqLogger: true,
    }),
  );
  if (deps.rawBodyRoutes) app.use(deps.rawBodyRoutes);
  app.use(jsonOnly);
  app.use(
    express.json({
      limit: deps.bodyLimitBytes,
      strict: false,
      type: ['application/json', 'application/*+json'],
    }),
  );
  app.use(storableText);

  const document = openApiDocument(deps.routes, UPLOAD_ROUTE_DOCS);
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
  for (const spec of deps.routes) app[spec.method](spec.path, handlerFor(spec, deps));

  app.use((req, res) => sendProblem(req, res, problems.notFound(`no route for ${req.method} ${req.path}`)));
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const problem =
      problemFromRequestError(error, deps.bodyLimitBytes) ?? problemFromError(error, req.correlationId);
    if (problem.status === 503) req.log.warn({ err: error }, 'request failed: a server is unavailable');
    else if (problem.status >= 500) req.log.error({ err: error }, 'request failed');
    sendProblem(req, res, problem);
  };
  app.use(onError);
  return app;
}
