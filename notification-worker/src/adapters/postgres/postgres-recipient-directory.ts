import type pg from 'pg';
import type { RecipientDirectory } from '../../ports/recipient-directory.js';

/**
 * Addresses from the `users` read table. A deleted account's email is erased there (and its key
 * destroyed), a disabled one gets no mail, and a value without '@' is no address.
 */
export class PostgresRecipientDirectory implements RecipientDirectory {
  constructor(private readonly pool: pg.Pool) {}

  async emailOf(userId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ email: string }>(
      `SELECT email FROM users
        WHERE id = $1 AND deleted_at IS NULL AND status = 'active' AND position('@' in email) > 1`,
      [userId],
    );
    return rows[0]?.email ?? null;
  }
}
