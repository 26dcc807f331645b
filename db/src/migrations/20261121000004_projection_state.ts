import type { Knex } from 'knex';

/**
 * Where each projection has read up to, and the events it could not apply. A PostgreSQL
 * projection writes its checkpoint in the same transaction as its rows, so the two never disagree.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE projection_checkpoints (
      projection text PRIMARY KEY,
      transaction_id bigint NOT NULL,
      global_position bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE projection_dead_letters (
      id bigserial PRIMARY KEY,
      projection text NOT NULL,
      event_id uuid NOT NULL,
      stream_id text NOT NULL,
      stream_version bigint NOT NULL,
      global_position bigint NOT NULL,
      event_type text NOT NULL,
      error text NOT NULL,
      attempts integer NOT NULL CHECK (attempts > 0),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'resolved')),
      failed_at timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz,
      UNIQUE (projection, event_id)
    );
    CREATE INDEX projection_dead_letters_pending_idx ON projection_dead_letters (projection) WHERE status = 'pending';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'DROP TABLE IF EXISTS projection_dead_letters; DROP TABLE IF EXISTS projection_checkpoints;',
  );
}
