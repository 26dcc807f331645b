import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { ProjectionName } from '../read/projections.js';
import type { Viewer } from '../read/visibility.js';

export interface QueryInput<P, Q> {
  params: P;
  query: Q;
  viewer: Viewer;
  log: Logger;
}

/**
 * One read endpoint, declared once: the pipeline authenticates, validates and waits for the
 * projections from it, and the OpenAPI document is generated from the same schemas.
 */
export interface QueryRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  operationId: string;
  /** Express syntax (`/meetings/:meetingId`). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Admins only (403 for others). */
  adminOnly?: true;
  params?: P;
  /** A strict object: an unknown parameter is a 400 (`minPosition` is added to every route). */
  query?: Q;
  /** The projections whose read models the endpoint reads: what `minPosition` waits for. */
  projections: readonly ProjectionName[];
  success: { description: string; schema: z.ZodType };
  /** Documented error statuses beyond those every route can answer (400, 401, 500, 503). */
  errors: readonly number[];
  handle(input: QueryInput<z.infer<P>, z.infer<Q>>): Promise<unknown>;
  /** The answer's ETag, when the resource has a version a command accepts as If-Match. */
  etag?(body: unknown): string;
}

/** Types `handle` from the route's own schemas, then erases them so all routes share one list. */
export function queryRoute<P extends z.ZodType, Q extends z.ZodType>(spec: QueryRoute<P, Q>): QueryRoute {
  return spec;
}
