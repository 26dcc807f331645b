import type { z } from 'zod';
import type { RequestContext } from '../application/request-context.js';
import type { Session } from '../ports/session-store.js';

export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteInput<P, B> {
  params: P;
  body: B;
  ctx: RequestContext;
  session: Session | null;
  token: string | null;
  /** The version named by If-Match, when the client sent one. */
  expectedVersion: number | undefined;
  client: { ip: string; userAgent: string };
}

/**
 * One endpoint, declared once: the pipeline routes, authenticates and validates from it, and the
 * OpenAPI document is generated from the same schemas.
 */
export interface RouteSpec<P extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  operationId: string;
  method: 'post' | 'patch' | 'put' | 'delete';
  /** Express syntax (`/meetings/:meetingId/start`). */
  path: string;
  summary: string;
  tag: string;
  auth: boolean;
  params?: P;
  /** Absent: the endpoint takes no body (an empty body or `{}` is accepted). */
  body?: B;
  /** Whether If-Match applies (commands on one stream). */
  ifMatch: boolean;
  /** False where a stored answer would hold a secret (log-in returns a token): Idempotency-Key is ignored. */
  idempotent?: false;
  success: { status: 200 | 201 | 204; description: string; schema?: z.ZodType };
  /** Documented error statuses beyond those every route can answer. */
  errors: readonly number[];
  handle(input: RouteInput<z.infer<P>, z.infer<B>>): Promise<HttpResult>;
}

/** Types `handle` from the route's own schemas, then erases them so routes of all shapes share one list. */
export function route<P extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, B>): RouteSpec {
  return spec;
}
