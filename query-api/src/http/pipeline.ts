import type { FieldError } from '@meetings/command-service/http';
import {
  bearerToken,
  fieldErrors,
  HttpProblem,
  problemFromError,
  problems,
  sendProblem,
  unstorableStrings,
} from '@meetings/command-service/http';
import type { SessionStore } from '@meetings/command-service/sessions';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { ReadYourWrites } from '../read/read-your-writes.js';
import type { Viewer } from '../read/visibility.js';
import { MinPosition } from './query-params.js';
import type { QueryRoute } from './route-spec.js';

export interface PipelineDeps {
  sessions: SessionStore;
  readYourWrites: ReadYourWrites;
  logger: Logger;
}

export const forbidden = (detail: string, rule: string) =>
  new HttpProblem(403, 'forbidden', 'Forbidden', detail, { rule });

/** The viewer of a bearer token, or a 401 problem. */
export async function authenticate(
  sessions: SessionStore,
  authorization: string | undefined,
): Promise<Viewer> {
  const token = bearerToken(authorization);
  const session = token ? await sessions.touch(token) : null;
  if (!session) {
    throw problems.unauthenticated(
      token ? 'the session has expired or was revoked' : 'send Authorization: Bearer <token>',
    );
  }
  return { userId: session.userId, isAdmin: session.role === 'admin' };
}

const anyQuery = z.object({});

/**
 * Parses path and query parameters at once, so one 400 names every bad parameter, text no database
 * could hold (NUL, lone surrogates) included.
 */
function parseInput(route: QueryRoute, rawParams: unknown, rawQuery: Record<string, unknown>) {
  const { minPosition: rawMinPosition, ...rest } = rawQuery;
  const errors: FieldError[] = [
    ...unstorableStrings(rawParams, 'params'),
    ...unstorableStrings(rawQuery, 'query'),
  ];
  const params = (route.params ?? anyQuery).safeParse(rawParams);
  if (!params.success) errors.push(...fieldErrors(params.error, 'params'));
  const query = (route.query ?? anyQuery).safeParse(rest);
  if (!query.success) errors.push(...fieldErrors(query.error, 'query'));
  const minPosition = MinPosition.safeParse(rawMinPosition);
  if (!minPosition.success) errors.push(...fieldErrors(minPosition.error, 'query.minPosition'));
  if (errors.length > 0 || !params.success || !query.success || !minPosition.success) {
    throw problems.validation(errors);
  }
  return { params: params.data, query: query.data, minPosition: minPosition.data };
}

/**
 * The pipeline of every read endpoint: authenticate (401), authorize (403), validate (400), wait
 * for the projections when asked to (`minPosition`: 400 / 503), read, answer. Anything unexpected
 * is a 500 carrying the correlation id, logged with its stack, never sent.
 */
export function handlerFor(route: QueryRoute, deps: PipelineDeps): RequestHandler {
  return async (req, res) => {
    const log = deps.logger.child({ correlationId: req.correlationId, operation: route.operationId });
    const aborted = new AbortController();
    res.once('close', () => aborted.abort());
    try {
      const viewer = await authenticate(deps.sessions, req.header('authorization'));
      if (route.adminOnly && !viewer.isAdmin) throw forbidden('this report is for admins only', 'admin-only');
      const input = parseInput(route, req.params, req.query);
      if (input.minPosition !== undefined) {
        await deps.readYourWrites.waitFor(input.minPosition, route.projections, aborted.signal);
      }
      const body = await route.handle({ params: input.params, query: input.query, viewer, log });
      const etag = route.etag?.(body);
      if (etag) res.setHeader('ETag', etag);
      res.status(200).json(body);
    } catch (error) {
      if (aborted.signal.aborted) {
        log.info('client went away before the answer');
        return;
      }
      const problem = problemFromError(error, req.correlationId);
      if (problem.status >= 500 && problem.status !== 503) log.error({ err: error }, 'query failed');
      else log.info({ status: problem.status, type: problem.type }, 'query refused');
      sendProblem(req, res, problem);
    }
  };
}
