import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { MinPosition } from './query-params.js';
import type { QueryRoute } from './route-spec.js';

const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    rule: z.string().optional().describe('the rule refused (403, 404)'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('per parameter (400), e.g. `query.limit`'),
    projections: z.array(z.string()).optional().describe('the projections still behind (503)'),
    correlationId: z.string().optional().describe('quote it when reporting a 500'),
  })
  .meta({ id: 'Problem' });

const common: Record<number, string> = {
  400: 'A bad path or query parameter (see `errors[].path`), a `minPosition` no event has, NUL or a lone surrogate in a parameter (`validation-failed`), bad percent-encoding (`malformed-uri`), or a request the HTTP parser refused (`bad-request`)',
  408: 'The client took longer than HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS to send its request (`request-timeout`)',
  431: 'Request line and headers larger than the limit (`headers-too-large`)',
  401: 'Missing, expired or revoked bearer token',
  403: 'Not permitted (see `rule`)',
  404: 'No such meeting or room, or one the caller may not see',
  500: 'Unexpected fault; the body carries a correlation id',
  503: 'The read model has not applied `minPosition` in time, or PostgreSQL or Redis is unreachable; see Retry-After',
};

const WS_DESCRIPTION = `WebSocket upgrade (not an HTTP endpoint). Authenticate with \`?token=<bearer>\` or the
Authorization header; a missing or bad token closes the socket with code 4401, and so does a session that
ends while the socket is open (log-out, expiry, Redis losing it), within WS_SESSION_CHECK_MS. While Redis is
unreachable a new socket is closed with 1013 (try again later).
Client messages: \`{"type":"subscribe","meetingId"}\`, \`{"type":"unsubscribe","meetingId"}\`, \`{"type":"ping"}\`.
Server messages: \`{"type":"subscribed","meetingId","room"}\` (room: the Room or null), then
\`{"type":"room","meetingId","version","change","room"}\` for every change (change: the event type; room null
once the meeting is over), \`{"type":"unsubscribed","meetingId"}\`, \`{"type":"pong"}\` and
\`{"type":"error","error","detail","meetingId"?}\` (e.g. \`meeting-not-found\` for a meeting the caller may not see, \`service-unavailable\` while a server is away).`;

/** The OpenAPI 3.1 document, generated from the same route specs and zod schemas that validate requests. */
export function openApiDocument(routes: readonly QueryRoute[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  for (const r of routes) {
    const statuses = [...new Set([400, 401, 408, 431, 500, 503, ...r.errors])].sort();
    const queryShape = r.query instanceof z.ZodObject ? (r.query.shape as z.ZodRawShape) : {};
    registry.registerPath({
      method: 'get',
      path: r.path.replace(/:(\w+)/g, '{$1}'),
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      security: [{ bearer: [] }],
      request: {
        ...(r.params instanceof z.ZodObject ? { params: r.params } : {}),
        query: z.object({ ...queryShape, minPosition: MinPosition }),
        headers: z.object({ 'X-Correlation-Id': z.string().optional() }),
      },
      responses: {
        200: {
          description: r.success.description,
          content: { 'application/json': { schema: r.success.schema } },
        },
        ...Object.fromEntries(
          statuses.map((s) => [
            s,
            {
              description: common[s] ?? 'Error',
              content: { 'application/problem+json': { schema: Problem } },
            },
          ]),
        ),
      },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/ws',
    operationId: 'roomUpdates',
    summary: 'Live room updates over a WebSocket',
    description: WS_DESCRIPTION,
    tags: ['rooms'],
    request: { query: z.object({ token: z.string().optional().describe('the bearer token') }) },
    responses: {
      101: { description: 'Switching to the WebSocket protocol' },
      426: { description: 'Not a WebSocket upgrade request' },
    },
  });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Meetings query API',
      version: '0.1.0',
      description:
        'The read side: meetings, participants, recordings, media streams, chat, statistics and the audit trail from the PostgreSQL read models, live rooms from the Redis room cache. Every read model is a projection of the event log and may trail it; pass a command’s `position` as `minPosition` to read your own writes.',
    },
  });
}
