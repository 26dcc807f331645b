import type { z } from 'zod';
import type { FieldError } from './problem.js';
import { HttpProblem, problems } from './problem.js';

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

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored (PostgreSQL text holds no NUL; UTF-8 has no lone surrogates), or undefined. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the character U+0000 (NUL)';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/** At most this many strings are named in one answer (a body can hold thousands). */
export const MAX_TEXT_ERRORS = 20;

/**
 * Every string of a parsed JSON body or query object (values and member names, at any depth) that
 * could not be stored, each named by its path under `prefix` (`body.settings.title`, `query.q.0`).
 * Iterative: a 64 KiB body can nest tens of thousands of levels deep.
 */
export function unstorableStrings(value: unknown, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  const pending: [unknown, string][] = [[value, prefix]];
  while (pending.length > 0 && errors.length < MAX_TEXT_ERRORS) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      const message = unstorableText(current);
      if (message) errors.push({ path, message });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push([current[i], `${path}.${i}`]);
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i]!;
        const message = unstorableText(key);
        if (message) {
          errors.push({ path, message: `a member name ${message}` });
          if (errors.length >= MAX_TEXT_ERRORS) break;
          continue;
        }
        pending.push([member, `${path}.${key}`]);
      }
    }
  }
  return errors;
}

/** Throws a 400 `validation-failed` naming every string of `value` that could not be stored. */
export function assertStorableStrings(value: unknown, prefix: string): void {
  const errors = unstorableStrings(value, prefix);
  if (errors.length > 0) throw problems.validation(errors);
}

/** What a request body may be encoded with (Content-Encoding); anything else is a 415. */
export const CONTENT_ENCODINGS: readonly string[] = ['identity', 'gzip', 'deflate', 'br'];

/**
 * The client mistakes express and its body parser report as errors, as precise problems: malformed
 * JSON, a body over the limit, an unsupported encoding or charset, a compressed body that does not
 * decompress, malformed percent-encoding in the path. Undefined for anything else.
 */
export function problemFromRequestError(error: unknown, bodyLimitBytes?: number): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof URIError) {
    return new HttpProblem(
      400,
      'malformed-uri',
      'Malformed URI',
      'the path holds malformed percent-encoding (each % must start an escape of valid UTF-8)',
    );
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, code, encoding } = error as { type?: unknown; code?: unknown; encoding?: unknown };
  if (type === 'entity.parse.failed') return problems.malformedJson('the request body is not valid JSON');
  if (type === 'entity.too.large' && bodyLimitBytes !== undefined) return problems.tooLarge(bodyLimitBytes);
  if (type === 'encoding.unsupported') {
    return problems.unsupportedMediaType(
      `Content-Encoding ${typeof encoding === 'string' ? `"${encoding}" ` : ''}is not supported: send identity, gzip, deflate or br`,
    );
  }
  if (type === 'charset.unsupported') return problems.unsupportedMediaType('send the body as UTF-8 JSON');
  // The client stopped sending (or was cut off by a timeout): nobody may read this answer.
  if (type === 'request.aborted') return malformedBody('the client stopped sending the request body');
  if (type === 'request.size.invalid') {
    return malformedBody('the request body does not have the length its Content-Length says');
  }
  // zlib's codes (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream) and brotli's (ERR__ERROR_FORMAT_…).
  if (typeof code === 'string' && /^(Z_|ERR__ERROR_)/.test(code)) {
    return malformedBody('the request body does not decompress as its Content-Encoding says');
  }
  return undefined;
}

function malformedBody(detail: string): HttpProblem {
  return new HttpProblem(400, 'malformed-body', 'Malformed body', detail);
}
