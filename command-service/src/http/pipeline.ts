import { createHash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import stringify from 'safe-stable-stringify';
import { z } from 'zod';
import type { RequestContext } from '../application/request-context.js';
import type { Logger } from '../logger.js';
import type { CommandRateLimiter } from '../ports/command-rate-limiter.js';
import type { IdempotencyStore } from '../ports/idempotency-store.js';
import type { SessionStore } from '../ports/session-store.js';
import { problemFromError, problems } from './problem.js';
import type { HttpProblem } from './problem.js';
import { commandMetrics } from './command-metrics.js';
import type { Registry } from './metrics.js';
import { rateLimited, rateLimitHeaders } from './rate-limit.js';
import { bearerToken, parseIdempotencyKey, parseIfMatch, validate } from './request-checks.js';
import type { HttpResult, RouteSpec } from './route-spec.js';

export interface PipelineDeps {
  sessions: SessionStore;
  idempotency: IdempotencyStore;
  logger: Logger;
  /** Counts the commands of signed-in users (routes with `auth`); absent, there is no limit. */
  rateLimiter?: CommandRateLimiter;
  /** Given: each answer counts in `commands_total` (see command-metrics.ts). */
  metrics?: Registry;
}

/** Headers an idempotent replay repeats (the rest are per response). */
const REPLAYED_HEADERS = ['etag', 'location'];

export function sendResult(res: Response, result: HttpResult): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.body === undefined) res.status(result.status).end();
  else res.status(result.status).json(result.body);
}

export function sendProblem(req: Request, res: Response, problem: HttpProblem): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify(problem.toJSON(req.originalUrl)));
}

/**
 * The request pipeline of every command endpoint: authenticate, validate, apply preconditions and
 * idempotency, run the command, answer. Client mistakes become precise problems; anything else is
 * a 500 carrying the correlation id, logged with its stack, never sent.
 */
export function handlerFor(spec: RouteSpec, deps: PipelineDeps): RequestHandler {
  const counted = deps.metrics ? commandMetrics(deps.metrics) : null;
  return async (req, res) => {
    const log = deps.logger.child({ correlationId: req.correlationId, operation: spec.operationId });
    try {
      const token = bearerToken(req.header('authorization'));
      const session = token ? await deps.sessions.touch(token) : null;
      if (spec.auth && !session) {
        throw problems.unauthenticated(
          token ? 'the session has expired or was revoked' : 'send Authorization: Bearer <token>',
        );
      }
      // Before anything is decided: a refused command appends nothing, and is not kept as the
      // answer of its Idempotency-Key (the retry after Retry-After runs).
      if (spec.auth && session && deps.rateLimiter) {
        const quota = await deps.rateLimiter.take(session.userId);
        if (!quota.allowed) throw rateLimited(quota);
        for (const [name, value] of Object.entries(rateLimitHeaders(quota))) res.setHeader(name, value);
      }
      const params = spec.params ? validate(spec.params, req.params, 'params') : {};
      const rawBody: unknown = req.body === undefined ? {} : req.body;
      const body = spec.body ? validate(spec.body, rawBody, 'body') : validate(emptyBody, rawBody, 'body');
      const expectedVersion = spec.ifMatch ? parseIfMatch(req.header('if-match')) : undefined;
      const key = spec.idempotent === false ? undefined : parseIdempotencyKey(req.header('idempotency-key'));
      const scope = session?.userId ?? 'anonymous';
      const hash = requestHash(req, body);
      const ctx: RequestContext = {
        actorUserId: session?.userId ?? null,
        correlationId: req.correlationId,
        commandId: randomUUID(),
        // The request's hash is part of it: ids derived from it differ for another request under a
        // reused key, even after the key's record has expired.
        idempotencyKey: key ? `${scope}:${key}#${hash.slice(0, 16)}` : null,
        now: new Date(),
      };
      const run = () =>
        spec.handle({
          params,
          body,
          ctx,
          session,
          token,
          expectedVersion,
          client: { ip: req.ip ?? '', userAgent: req.header('user-agent') ?? '' },
        });
      const result = key ? await withIdempotency(deps.idempotency, scope, key, hash, run, req) : await run();
      sendResult(res, result);
      counted?.result(spec.operationId, result);
    } catch (error) {
      const problem = problemFromError(error, req.correlationId);
      counted?.problem(spec.operationId, problem);
      if (problem.status === 503) log.warn({ err: error }, 'command failed: a server is unavailable');
      else if (problem.status >= 500) log.error({ err: error }, 'command failed');
      else log.info({ status: problem.status, type: problem.type }, 'command refused');
      sendProblem(req, res, problem);
    }
  };
}

/** Endpoints without a body accept none or `{}`; anything else is a mistake worth reporting. */
const emptyBody = z.object({}).strict();

function requestHash(req: Request, body: unknown): string {
  return createHash('sha256')
    .update(`${req.method} ${req.path}\n${stringify(body) ?? ''}`)
    .digest('hex');
}

/** Same key and request: the first answer again. Same key, other request: 422. */
async function withIdempotency(
  store: IdempotencyStore,
  scope: string,
  key: string,
  hash: string,
  run: () => Promise<HttpResult>,
  req: Request,
): Promise<HttpResult> {
  const claim = await store.claim(scope, key, hash);
  if (claim.outcome === 'mismatch') throw problems.idempotencyKeyReused();
  if (claim.outcome === 'in_progress') throw problems.requestInProgress();
  if (claim.outcome === 'replay') {
    return { ...claim.response, headers: { ...claim.response.headers, 'Idempotent-Replayed': 'true' } };
  }
  const claimed = claim.key;
  let result: HttpResult;
  try {
    result = await run();
  } catch (error) {
    const problem = problemFromError(error, req.correlationId);
    // A refusal is the answer to this request and is kept; our own failure frees the key for a retry.
    if (problem.status >= 500 || problem.type === 'concurrency-conflict') {
      await claimed.release().catch(() => undefined); // the claim ends with its connection anyway
      throw error;
    }
    await claimed.complete({
      status: problem.status,
      headers: { 'Content-Type': 'application/problem+json', ...problem.headers },
      body: problem.toJSON(req.originalUrl),
    });
    throw problem;
  }
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).filter(([name]) => REPLAYED_HEADERS.includes(name.toLowerCase())),
  );
  await claimed.complete({ status: result.status, headers, body: result.body });
  return result;
}
