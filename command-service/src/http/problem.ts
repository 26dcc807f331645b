import { isOutage } from '@meetings/db';
import { DuplicateEventIdError } from '@meetings/events';
import {
  AggregateNotFound,
  AlreadyExists,
  BusinessRuleViolation,
  NotPermitted,
  WrongPasscode,
} from '../domain/index.js';
import {
  AccountDisabled,
  ConcurrencyConflict,
  InvalidCredentials,
  PreconditionFailed,
  TooManyAttempts,
} from '../application/errors.js';

/**
 * An RFC 9457 problem: `type` names the kind of failure (relative URI under /problems/), `title`
 * is fixed per type, `detail` explains this occurrence. Extension members carry what a client can
 * act on (`rule`, `errors`, `currentVersion`, `correlationId`). Five fields do not need a library.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toJSON(instance: string) {
    return {
      type: `/problems/${this.type}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      instance,
      ...this.extensions,
    };
  }
}

/** What a 503 `service-unavailable` asks a client to wait before retrying. */
export const RETRY_AFTER_OUTAGE_SECONDS = 2;

export interface FieldError {
  path: string;
  message: string;
}

export const problems = {
  malformedJson: (detail: string) => new HttpProblem(400, 'malformed-json', 'Malformed JSON', detail),
  validation: (errors: FieldError[]) =>
    new HttpProblem(
      400,
      'validation-failed',
      'Validation failed',
      errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      {
        errors,
      },
    ),
  badHeader: (header: string, detail: string) =>
    new HttpProblem(400, 'invalid-header', `Invalid ${header} header`, detail, { header }),
  unauthenticated: (detail: string) =>
    new HttpProblem(
      401,
      'unauthenticated',
      'Authentication required',
      detail,
      {},
      { 'WWW-Authenticate': 'Bearer' },
    ),
  notFound: (detail: string, rule = 'route-not-found') =>
    new HttpProblem(404, 'not-found', 'Not found', detail, { rule }),
  tooLarge: (limit: number) =>
    new HttpProblem(
      413,
      'payload-too-large',
      'Payload too large',
      `the request body exceeds ${limit} bytes`,
      { limit },
    ),
  unsupportedMediaType: (detail: string) =>
    new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', detail),
  idempotencyKeyReused: () =>
    new HttpProblem(
      422,
      'idempotency-key-reused',
      'Idempotency key reused',
      'this Idempotency-Key was already used with a different request',
    ),
  requestInProgress: () =>
    new HttpProblem(
      409,
      'request-in-progress',
      'Request in progress',
      'a request with this Idempotency-Key is still being processed',
      {},
      { 'Retry-After': '1' },
    ),
  /**
   * PostgreSQL or Redis is unreachable: the same request may succeed in a moment. A command may
   * still have taken effect (its answer was lost), so a retry should carry an Idempotency-Key.
   */
  serviceUnavailable: (correlationId: string) =>
    new HttpProblem(
      503,
      'service-unavailable',
      'Service unavailable',
      'a server this service depends on is unreachable; retry after a moment',
      { correlationId },
      { 'Retry-After': String(RETRY_AFTER_OUTAGE_SECONDS) },
    ),
  internal: (correlationId: string) =>
    new HttpProblem(
      500,
      'internal-error',
      'Internal server error',
      'an unexpected error occurred; quote the correlation id when reporting it',
      {
        correlationId,
      },
    ),
};

/**
 * Maps the typed errors of the domain and application layers; an outage of PostgreSQL or Redis
 * (`isOutage`) is a 503 a client may retry; anything else is an internal error.
 */
export function problemFromError(error: unknown, correlationId: string): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof WrongPasscode) {
    return new HttpProblem(403, 'wrong-passcode', 'Wrong passcode', error.message, { rule: error.rule });
  }
  if (error instanceof NotPermitted)
    return new HttpProblem(403, 'forbidden', 'Forbidden', error.message, { rule: error.rule });
  if (error instanceof AggregateNotFound) return problems.notFound(error.message, error.rule);
  if (error instanceof BusinessRuleViolation || error instanceof AlreadyExists) {
    return new HttpProblem(409, 'business-rule-violated', 'Business rule violated', error.message, {
      rule: error.rule,
    });
  }
  if (error instanceof PreconditionFailed) {
    return new HttpProblem(
      412,
      'precondition-failed',
      'Precondition failed',
      `If-Match expected version ${error.expected}, the current version is ${error.actual}`,
      { currentVersion: error.actual },
      { ETag: `"${error.actual}"` },
    );
  }
  if (error instanceof ConcurrencyConflict) {
    return new HttpProblem(
      409,
      'concurrency-conflict',
      'Concurrent modification',
      error.message,
      {},
      { 'Retry-After': '1' },
    );
  }
  if (error instanceof DuplicateEventIdError) return problems.requestInProgress();
  if (error instanceof InvalidCredentials) return problems.unauthenticated(error.message);
  if (error instanceof AccountDisabled) {
    return new HttpProblem(403, 'account-disabled', 'Account disabled', error.message);
  }
  if (error instanceof TooManyAttempts) {
    return new HttpProblem(
      429,
      'too-many-requests',
      'Too many requests',
      error.message,
      {},
      {
        'Retry-After': String(error.retryAfterSeconds),
      },
    );
  }
  if (isOutage(error)) return problems.serviceUnavailable(correlationId);
  return problems.internal(correlationId);
}
