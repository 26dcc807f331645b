/**
 * Every table the migrations create, by what a backup does with it. The log and the write side's
 * own state cannot be rebuilt, so they are backed up; projections and their bookkeeping are rebuilt
 * from the log by the restore. `tables.int.test.ts` fails when a migration adds a table not listed
 * here, so a new table is classified before it can be left out of backups by accident.
 */

/** A table (or a slice of one) a backup carries, in the order a restore loads it. */
export interface BackedUpSection {
  name: string;
  /** The rows in a stable order (the primary key): two backups of one state are equal. */
  select: string;
  /** Where a restore puts the rows: `insert` into the empty table, `replace` its migration rows. */
  load: 'insert' | 'replace' | 'after-rebuild';
  table: string;
}

export const BACKED_UP_SECTIONS: readonly BackedUpSection[] = [
  {
    // The event store: the envelope with the writing transaction id the global log orders by.
    name: 'es_events',
    table: 'es_events',
    select: 'SELECT row_to_json(t)::text AS line FROM es_events t ORDER BY global_position',
    load: 'insert',
  },
  {
    // Answers of commands sent with an Idempotency-Key: a client retrying after the restore must
    // get the first answer again, not run the command twice.
    name: 'command_idempotency',
    table: 'command_idempotency',
    select: 'SELECT row_to_json(t)::text AS line FROM command_idempotency t ORDER BY scope, key',
    load: 'insert',
  },
  {
    // The per-user keys of crypto-shredding, destroyed ones (tombstones) included: without a key
    // the user's personal fields read as erased, and without the tombstone a new key could be made.
    name: 'personal_data_keys',
    table: 'personal_data_keys',
    select: 'SELECT row_to_json(t)::text AS line FROM personal_data_keys t ORDER BY user_id',
    load: 'insert',
  },
  {
    // The blind-index secret reservation stream ids are HMACs of. The restore's migration made a
    // new random one; the log's stream ids need the old one.
    name: 'personal_data_secrets',
    table: 'personal_data_secrets',
    select: 'SELECT row_to_json(t)::text AS line FROM personal_data_secrets t ORDER BY name',
    load: 'replace',
  },
  {
    // The AI task queue's own columns of ai_tasks (never projected): without them every dispatched
    // or settled task would be handed out again. Applied once the ai-tasks projection made the rows.
    name: 'ai_tasks_queue',
    table: 'ai_tasks',
    select: `SELECT row_to_json(t)::text AS line FROM (
        SELECT task_id, dispatched_at, deliveries, lease_owner, lease_expires_at, settled_at, dead_lettered_at
        FROM ai_tasks
        WHERE dispatched_at IS NOT NULL OR deliveries > 0 OR lease_owner IS NOT NULL
          OR settled_at IS NOT NULL OR dead_lettered_at IS NOT NULL
        ORDER BY task_id) t`,
    load: 'after-rebuild',
  },
];

/** The read tables the projections rebuild (not backed up). */
export const PROJECTION_TABLES: readonly string[] = [
  'users',
  'meetings',
  'meeting_participants',
  'meeting_invitations',
  'meeting_bans',
  'meeting_rooms',
  'meeting_recordings',
  'meeting_documents',
  'media_streams',
  'signaling_sessions',
  'signaling_messages',
  'system_configs',
  'ai_tasks',
  'operation_logs',
];

/** The projections' own bookkeeping: rebuilt with them (dead letters recur if their cause does). */
export const PROJECTION_STATE_TABLES: readonly string[] = [
  'projection_checkpoints',
  'projection_dead_letters',
  'relay_offsets',
  'projection_kafka_offsets',
  // Rebuilds under way or retired generations: a restore rebuilds every projection anyway.
  'projection_generations',
];

/** Made by the restore's own migration run. */
export const SCHEMA_TABLES: readonly string[] = ['knex_migrations', 'knex_migrations_lock'];

/** Tables that must hold no row for a restore to go ahead (personal_data_secrets is replaced). */
export const MUST_BE_EMPTY: readonly string[] = [
  ...BACKED_UP_SECTIONS.filter((s) => s.load === 'insert').map((s) => s.table),
  ...PROJECTION_TABLES,
  ...PROJECTION_STATE_TABLES,
];
