import type { Knex } from 'knex';

/**
 * Answers of commands sent with an Idempotency-Key, per caller. A row is claimed ("in_progress")
 * before the command runs and completed with the answer; a retry with the same key replays it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE command_idempotency (
      scope text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
      status_code integer,
      response_headers jsonb,
      response_body jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      locked_until timestamptz NOT NULL,
      completed_at timestamptz,
      PRIMARY KEY (scope, key),
      CHECK (state = 'in_progress' OR status_code IS NOT NULL)
    );
    CREATE INDEX command_idempotency_created_at_idx ON command_idempotency (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS command_idempotency');
}
