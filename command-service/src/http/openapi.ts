import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteSpec } from './route-spec.js';
import type { UploadRouteDoc } from './upload-docs.js';

const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    rule: z.string().optional().describe('the business rule refused (403, 404, 409)'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('per field (400)'),
    currentVersion: z.number().int().optional().describe('the stream version now (412)'),
    correlationId: z.string().optional().describe('quote it when reporting a 500'),
  })
  .meta({ id: 'Problem' });

const IdempotencyKeyHeader = z
  .string()
  .max(255)
  .optional()
  .describe('replays the first answer for the same request');

const common: Record<number, string> = {
  400: 'Malformed JSON, invalid fields, an invalid header, NUL or a lone surrogate in any string (`validation-failed`, naming each field), bad percent-encoding in the path (`malformed-uri`), a corrupt gzip/deflate/br body (`malformed-body`), or a request the HTTP parser refused (`bad-request`)',
  408: 'The client took longer than HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS to send its request (`request-timeout`)',
  401: 'Missing, expired or revoked bearer token',
  403: 'Not permitted (see `rule`)',
  404: 'No such meeting, user or route',
  409: 'A business rule refused the command (see `rule`), or a request with this Idempotency-Key is running',
  412: 'If-Match does not match the stream version',
  413: 'Body larger than the limit',
  415: 'Body is not application/json, or its Content-Encoding is not gzip, deflate or br',
  431: 'Request line and headers larger than the limit (`headers-too-large`)',
  422: 'Idempotency-Key reused with a different request',
  429: 'Too many attempts; see Retry-After',
  500: 'Unexpected fault; the body carries a correlation id',
  503: 'PostgreSQL or Redis is unreachable; see Retry-After, and retry with the same Idempotency-Key',
};

const RATE_LIMITED =
  'More than RATE_LIMIT_COMMANDS commands of this user within RATE_LIMIT_WINDOW_SECONDS (`rate-limited`, nothing was run); see Retry-After, RateLimit and RateLimit-Policy';

/** Sent by every route with `auth` while the command rate limit is on (draft-ietf-httpapi-ratelimit-headers). */
const RateLimitHeaders = {
  'RateLimit-Policy': {
    description: 'the quota: `"commands";q=<limit>;w=<window s>`',
    schema: { type: 'string' as const },
  },
  RateLimit: {
    description: 'what is left: `"commands";r=<remaining>;t=<seconds until reset>`',
    schema: { type: 'string' as const },
  },
};

/** A status's description; a signed-in route's 429 is (also) the command rate limit. */
function describeStatus(r: RouteSpec, status: number): string {
  if (status !== 429 || !r.auth) return common[status] ?? 'Error';
  return r.errors.includes(429) ? `${RATE_LIMITED}; or ${common[429]!.toLowerCase()}` : RATE_LIMITED;
}

const binary = { type: 'string' as const, format: 'binary' };

/** An upload endpoint: its body is the file (binary), it is signed-in and rate limited. */
function registerUpload(registry: OpenAPIRegistry, u: UploadRouteDoc): void {
  const statuses = [...new Set([408, 431, 500, ...u.errors])].sort();
  registry.registerPath({
    method: u.method,
    path: u.path,
    operationId: u.operationId,
    summary: u.summary,
    tags: [u.tag],
    security: [{ bearer: [] }],
    request: {
      ...(u.params ? { params: u.params } : {}),
      ...(u.query ? { query: u.query } : {}),
      headers: z.object({ 'X-Correlation-Id': z.string().optional() }),
      body: {
        content: Object.fromEntries(u.mediaTypes.map((t) => [t, { schema: binary }])),
        required: true,
      },
    },
    responses: {
      [u.success.status]: {
        description: u.success.description,
        headers: RateLimitHeaders,
        content: { 'application/json': { schema: u.success.schema } },
      },
      ...Object.fromEntries(
        statuses.map((s) => [
          s,
          {
            description:
              s === 415
                ? 'The bytes are not of a type this endpoint takes (whatever Content-Type says), or a Content-Encoding was sent'
                : s === 429
                  ? RATE_LIMITED
                  : (common[s] ?? 'Error'),
            content: { 'application/problem+json': { schema: Problem } },
          },
        ]),
      ),
    },
  });
}

/** The OpenAPI 3.1 document, generated from the same route specs and zod schemas that validate requests. */
export function openApiDocument(routes: readonly RouteSpec[], uploads: readonly UploadRouteDoc[] = []) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  for (const u of uploads) registerUpload(registry, u);
  for (const r of routes) {
    const statuses = [
      400,
      408,
      413,
      415,
      422,
      431,
      500,
      503,
      ...(r.auth ? [401, 429] : []),
      ...r.errors,
    ].sort();
    const headers = z.object({
      ...(r.idempotent === false ? {} : { 'Idempotency-Key': IdempotencyKeyHeader }),
      ...(r.ifMatch
        ? { 'If-Match': z.string().optional().describe('expected stream version, e.g. "3"') }
        : {}),
      'X-Correlation-Id': z.string().optional(),
    });
    registry.registerPath({
      method: r.method,
      path: r.path.replace(/:(\w+)/g, '{$1}'),
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      ...(r.auth ? { security: [{ bearer: [] }] } : {}),
      request: {
        ...(r.params instanceof z.ZodObject && Object.keys(r.params.shape).length
          ? { params: r.params }
          : {}),
        headers,
        // Required exactly when an absent body (read as {}) would be refused.
        ...(r.body
          ? {
              body: {
                content: { 'application/json': { schema: r.body } },
                required: !r.body.safeParse({}).success,
              },
            }
          : {}),
      },
      responses: {
        [r.success.status]: {
          description: r.success.description,
          ...(r.auth ? { headers: RateLimitHeaders } : {}),
          ...(r.success.schema ? { content: { 'application/json': { schema: r.success.schema } } } : {}),
        },
        ...Object.fromEntries(
          [...new Set(statuses)].map((s) => [
            s,
            {
              description: describeStatus(r, s),
              ...(s === 429 && r.auth
                ? { headers: { 'Retry-After': { schema: { type: 'integer' } }, ...RateLimitHeaders } }
                : {}),
              content: { 'application/problem+json': { schema: Problem } },
            },
          ]),
        ),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Meetings command API',
      version: '0.1.0',
      description:
        'The write side: every command appends events to the event store and answers with the stream version (ETag) and global position.',
    },
  });
}
