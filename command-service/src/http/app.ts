import express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';
import { correlation } from './correlation.js';
import { openApiDocument } from './openapi.js';
import { handlerFor, sendProblem } from './pipeline.js';
import type { PipelineDeps } from './pipeline.js';
import { problems, problemFromError } from './problem.js';
import type { RouteSpec } from './route-spec.js';

export interface AppDeps extends PipelineDeps {
  routes: readonly RouteSpec[];
  bodyLimitBytes: number;
  logger: Logger;
  /** Readiness: resolves when every backing server answers. */
  checkReady: () => Promise<void>;
}

/** A body must be JSON; requests without one (no length, no chunked encoding) pass. */
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
  next();
};

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(correlation);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req) => (req as express.Request).correlationId,
      quietReqLogger: true,
    }),
  );
  app.use(jsonOnly);
  app.use(
    express.json({
      limit: deps.bodyLimitBytes,
      strict: false,
      type: ['application/json', 'application/*+json'],
    }),
  );

  const document = openApiDocument(deps.routes);
  app.get('/openapi.json', (_req, res) => void res.json(document));
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
  const onError: ErrorRequestHandler = (error: { type?: string; status?: number }, req, res, _next) => {
    let problem;
    if (error.type === 'entity.parse.failed')
      problem = problems.malformedJson('the request body is not valid JSON');
    else if (error.type === 'entity.too.large') problem = problems.tooLarge(deps.bodyLimitBytes);
    else if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
      problem = problems.unsupportedMediaType('send the body as UTF-8 JSON');
    } else problem = problemFromError(error, req.correlationId);
    if (problem.status === 503) req.log.warn({ err: error }, 'request failed: a server is unavailable');
    else if (problem.status >= 500) req.log.error({ err: error }, 'request failed');
    sendProblem(req, res, problem);
  };
  app.use(onError);
  return app;
}
