import { createHmac } from 'node:crypto';

/**
 * A keyed HMAC-SHA-256 of a name (lowercased, as names are unique case-insensitively), for looking
 * names up without writing them down: reservation stream ids and the log-in throttle's keys. The
 * secret lives outside the log (see db's personal_data_secrets), so a digest cannot be reversed by
 * hashing a list of likely names.
 */
export class BlindIndex {
  constructor(private readonly secret: Buffer) {}

  digest(kind: 'username' | 'email', name: string): string {
    return createHmac('sha256', this.secret).update(`${kind}:${name.toLowerCase()}`).digest('hex');
  }
}
