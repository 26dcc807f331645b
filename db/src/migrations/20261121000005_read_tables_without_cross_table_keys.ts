import type { Knex } from 'knex';

/**
 * Drops every foreign key between read tables.
 *
 * Each projector keeps its own checkpoint, so one may run ahead of another: a participant, a chat
 * message or a media stream can be projected before the meeting or user it mentions (and Kafka
 * partitions will only keep order within a stream). A foreign key would then reject a fact the
 * write side has already recorded and stall the projection. Read models are disposable — rebuilt
 * from the log — so referential integrity belongs to the write side, which enforces it in its
 * deciders. Columns and indexes stay as they are; only the constraints go.
 *
 * `down` re-creates the keys exactly as 20261121000002_read_tables defined them (same names, same
 * ON DELETE actions). It validates the existing rows, so it fails on a read model holding rows whose
 * referenced row is missing: rebuild the read models (truncate and replay) before going back.
 */

type OnDelete = 'CASCADE' | 'SET NULL' | 'RESTRICT';

interface ForeignKey {
  table: string;
  column: string;
  references: 'users' | 'meetings' | 'meeting_recordings';
  onDelete: OnDelete;
}

const fk = (table: string, column: string, references: ForeignKey['references'], onDelete: OnDelete) => ({
  table,
  column,
  references,
  onDelete,
});

/** In the order 20261121000002 created them. */
const readTableForeignKeys: readonly ForeignKey[] = [
  fk('meetings', 'host_id', 'users', 'RESTRICT'),
  fk('meeting_participants', 'meeting_id', 'meetings', 'CASCADE'),
  fk('meeting_participants', 'user_id', 'users', 'CASCADE'),
  fk('meeting_participants', 'removed_by', 'users', 'SET NULL'),
  fk('meeting_rooms', 'meeting_id', 'meetings', 'CASCADE'),
  fk('meeting_recordings', 'meeting_id', 'meetings', 'CASCADE'),
  fk('meeting_recordings', 'started_by', 'users', 'SET NULL'),
  fk('meeting_recordings', 'stopped_by', 'users', 'SET NULL'),
  fk('media_streams', 'meeting_id', 'meetings', 'CASCADE'),
  fk('media_streams', 'user_id', 'users', 'CASCADE'),
  fk('signaling_sessions', 'meeting_id', 'meetings', 'CASCADE'),
  fk('signaling_sessions', 'user_id', 'users', 'CASCADE'),
  fk('signaling_messages', 'meeting_id', 'meetings', 'CASCADE'),
  fk('signaling_messages', 'sender_id', 'users', 'CASCADE'),
  fk('signaling_messages', 'recipient_id', 'users', 'CASCADE'),
  fk('ai_tasks', 'meeting_id', 'meetings', 'CASCADE'),
  fk('ai_tasks', 'recording_id', 'meeting_recordings', 'CASCADE'),
  fk('ai_tasks', 'requested_by', 'users', 'SET NULL'),
  fk('system_configs', 'updated_by', 'users', 'SET NULL'),
];

/** PostgreSQL's own name for an inline `REFERENCES` clause, which is what 20261121000002 used. */
const constraintName = (key: ForeignKey) => `${key.table}_${key.column}_fkey`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    readTableForeignKeys
      .map((key) => `ALTER TABLE ${key.table} DROP CONSTRAINT ${constraintName(key)};`)
      .join('\n'),
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    readTableForeignKeys
      .map(
        (key) =>
          `ALTER TABLE ${key.table} ADD CONSTRAINT ${constraintName(key)} FOREIGN KEY (${key.column}) ` +
          `REFERENCES ${key.references} (id) ON DELETE ${key.onDelete};`,
      )
      .join('\n'),
  );
}
