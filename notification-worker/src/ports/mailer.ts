/** An email as the worker hands it over: one recipient, plain text. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
}

/** Sends email; throws MailerError when the message was not accepted. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/**
 * A send that failed. `permanent`: the server refused the message for good (a 5xx answer), so a
 * retry would fail the same way. Its message names no address: it is logged and kept in Redis.
 */
export class MailerError extends Error {
  override readonly name = 'MailerError';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly code: string | null,
  ) {
    super(message);
  }
}
