import type { z } from 'zod';
import type { FieldError } from './problem.js';
import { problems } from './problem.js';

export function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** Parses `value` with `schema`, or throws a 400 problem naming each bad field under `prefix`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw problems.validation(fieldErrors(result.error, prefix));
  return result.data;
}

/** `If-Match: "7"` (or weak `W/"7"`) → 7. Stream versions are the ETags of this API. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!match)
    throw problems.badHeader('If-Match', 'expected a single entity tag such as "3" (a stream version)');
  return Number(match[1]);
}

/** Idempotency keys: 1-255 visible ASCII characters (a UUID is the usual choice). */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw problems.badHeader('Idempotency-Key', 'expected 1 to 255 visible ASCII characters');
  }
  return header;
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
