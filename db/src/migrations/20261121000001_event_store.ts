import type { Knex } from 'knex';

/**
 * The event store. `transaction_id` (the writing transaction, `pg_current_xact_id()`) orders the
 * global log for readers: a `bigserial` value is taken before commit, so a later position can
 * become visible before an earlier one; a transaction id below the snapshot's xmin cannot.
 * No stream table: the unique (stream_id, stream_version) index is the optimistic-concurrency guard.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE es_events (
      global_position bigserial PRIMARY KEY,
      transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      event_id uuid NOT NULL,
      stream_id text NOT NULL,
      stream_version bigint NOT NULL CHECK (stream_version > 0),
      type text NOT NULL,
      schema_version integer NOT NULL CHECK (schema_version > 0),
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT es_events_stream_version_key UNIQUE (stream_id, stream_version),
      CONSTRAINT es_events_event_id_key UNIQUE (event_id)
    );
    CREATE INDEX es_events_log_order_idx ON es_events (transaction_id, global_position);
    CREATE INDEX es_events_type_idx ON es_events (type, transaction_id, global_position);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS es_events');
}
