import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Crypto-shredding, beside the log and never in it:
 * - `personal_data_keys`: one AES-256 key per user; the personal fields of their events are
 *   encrypted with it. Deleting the account destroys the key (`key` NULL, `destroyed_at` set) and
 *   keeps the row, so no new key can be made for the user and readers know the data is erased.
 * - `personal_data_secrets`: the blind-index secret that reservation stream ids and the log-in
 *   throttle's keys are HMACs of, generated once here.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE personal_data_keys (
      user_id uuid PRIMARY KEY,
      key bytea CHECK (octet_length(key) = 32),
      created_at timestamptz NOT NULL DEFAULT now(),
      destroyed_at timestamptz,
      CHECK ((key IS NULL) = (destroyed_at IS NOT NULL))
    );
    CREATE TABLE personal_data_secrets (
      name text PRIMARY KEY,
      secret bytea NOT NULL CHECK (octet_length(secret) >= 32),
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `);
  await knex.raw(`INSERT INTO personal_data_secrets (name, secret) VALUES ('blind-index', ?)`, [
    randomBytes(32),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS personal_data_secrets; DROP TABLE IF EXISTS personal_data_keys;');
}
