import type { Knex } from 'knex';

/**
 * Read-your-writes on the Kafka path (issue 13): a Kafka-fed projection has consumer offsets, not a
 * log checkpoint, so the log position a command answered is translated into offsets.
 * - `relay_offsets`: written by the relay in the transaction that moves its checkpoint, one row
 *   per partition a published batch reached: `end_offset` is the offset after the batch's last
 *   message there, `from_*` the relay's checkpoint before the batch (every event of the batch
 *   lies after it). The relay folds old rows of a partition into one (conservatively: the oldest
 *   `from`, the highest offset), so the table stays small.
 * - `projection_kafka_offsets`: per projection and partition, the offset after the last message
 *   the projection has applied (written once the batch's effects committed, before the offset is
 *   committed to the consumer group).
 * A projection has applied position P when the relay's checkpoint is at or past P and, for every
 * row with `from` before P, its offset on that partition reached `end_offset`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE relay_offsets (
      id bigserial PRIMARY KEY,
      topic text NOT NULL,
      "partition" integer NOT NULL CHECK ("partition" >= 0),
      end_offset bigint NOT NULL CHECK (end_offset > 0),
      from_transaction_id bigint NOT NULL,
      from_global_position bigint NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX relay_offsets_from_idx ON relay_offsets (from_transaction_id, from_global_position);
    CREATE INDEX relay_offsets_recorded_idx ON relay_offsets (recorded_at);
    CREATE TABLE projection_kafka_offsets (
      projection text NOT NULL,
      topic text NOT NULL,
      "partition" integer NOT NULL CHECK ("partition" >= 0),
      next_offset bigint NOT NULL CHECK (next_offset >= 0),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (projection, topic, "partition")
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE projection_kafka_offsets; DROP TABLE relay_offsets;');
}
