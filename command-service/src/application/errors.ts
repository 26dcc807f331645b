/** The client's If-Match named a version the stream is no longer (or not yet) at (HTTP 412). */
export class PreconditionFailed extends Error {
  override readonly name = 'PreconditionFailed';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`expected version ${expected}, the current version is ${actual}`);
  }
}

/** Concurrent writers kept winning the race for the stream (HTTP 409, safe to retry). */
export class ConcurrencyConflict extends Error {
  override readonly name = 'ConcurrencyConflict';
  constructor(readonly streamId: string) {
    super(`${streamId} changed concurrently too many times; retry the request`);
  }
}

/** Bad credentials or an unknown user at log-in (HTTP 401). */
export class InvalidCredentials extends Error {
  override readonly name = 'InvalidCredentials';
  constructor() {
    super('unknown username or wrong password');
  }
}

/** Too many failed log-ins for a username, or wrong passcodes for a meeting (HTTP 429). */
export class TooManyAttempts extends Error {
  override readonly name = 'TooManyAttempts';
  constructor(
    readonly retryAfterSeconds: number,
    failures = 'failed log-ins',
  ) {
    super(`too many ${failures}; try again in ${retryAfterSeconds} s`);
  }
}

/**
 * The password checked but the account is disabled (HTTP 403 `account-disabled`). Told only to
 * whoever knows the password, so it cannot be used to probe which accounts exist or are disabled.
 */
export class AccountDisabled extends Error {
  override readonly name = 'AccountDisabled';
  constructor() {
    super('this account is disabled; ask an admin to enable it');
  }
}
