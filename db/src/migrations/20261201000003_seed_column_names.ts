import type { Knex } from 'knex';
import { activeMeetingsStats } from './read-tables/views.js';

/**
 * The read tables under the seed design's column names, so that reporting tools written against
 * the seed (000: full SQL of five tables; 001: key fields and indexes of every table) run as they
 * are. Columns are renamed, never duplicated: one name per concept. Where the events carry more than
 * the seed (actual vs planned times, quality samples, ...) those columns keep names of their own.
 *
 * - meetings: the seed's start_time is NOT NULL and indexed, so it is the planned start
 *   (scheduled_start_at), end_time the planned end; actual_start_at/actual_end_at stay.
 * - meeting_recordings: status `processing` between the stop and the stored file (was `stopped`);
 *   `duration` is whole seconds as in the seed, the event's seconds rounded (sub-second lost).
 * - media_streams: participant_id is the meeting_participants row of the stream's (meeting, user),
 *   kept right by triggers whichever projector writes first; room_id is the meeting's room, whose
 *   id is the meeting's (meeting_rooms.room_id); bitrate stays kbps in double precision.
 * - operation_logs: created_at is the operation's time (the projector already wrote the event's
 *   time there, and occurred_at duplicated it); the row's own insertion time becomes projected_at.
 * - ai_tasks.id becomes task_id, meeting_rooms.id room_id: the seed's unique keys.
 *
 * Every index the seed lists exists, either under our naming or as the leading column of an
 * existing index (meeting_participants.meeting_id, meeting_recordings.meeting_id,
 * media_streams.meeting_id). `down` restores 20261201000002's schema exactly (the recording
 * durations keep their rounding).
 */

/** [table, old name, new name]: applied in order by `up`, reversed by `down`. */
const renames: ReadonlyArray<readonly [string, string, string]> = [
  ['users', 'display_name', 'full_name'],
  ['meetings', 'host_id', 'creator_id'],
  ['meetings', 'scheduled_start_at', 'start_time'],
  ['meetings', 'scheduled_end_at', 'end_time'],
  ['meeting_participants', 'joined_at', 'join_time'],
  ['meeting_participants', 'left_at', 'leave_time'],
  ['meeting_rooms', 'id', 'room_id'],
  ['meeting_rooms', 'room_status', 'status'],
  ['meeting_recordings', 'storage_key', 'file_path'],
  ['meeting_recordings', 'size_bytes', 'file_size'],
  ['meeting_recordings', 'duration_seconds', 'duration'],
  ['media_streams', 'kind', 'stream_type'],
  ['media_streams', 'bitrate_kbps', 'bitrate'],
  ['ai_tasks', 'id', 'task_id'],
  ['operation_logs', 'actor_user_id', 'user_id'],
  ['operation_logs', 'created_at', 'projected_at'],
  ['operation_logs', 'occurred_at', 'created_at'],
];

/** [table, old name, new name] of constraints and indexes named after a renamed column. */
const renamedConstraints: ReadonlyArray<readonly [string, string, string]> = [
  ['meetings', 'meetings_host_id_idx', 'meetings_creator_id_idx'],
  ['meetings', 'meetings_scheduled_start_at_idx', 'meetings_start_time_idx'],
  ['meeting_rooms', 'meeting_rooms_room_status_check', 'meeting_rooms_status_check'],
  ['meeting_recordings', 'meeting_recordings_size_bytes_check', 'meeting_recordings_file_size_check'],
  ['meeting_recordings', 'meeting_recordings_duration_seconds_check', 'meeting_recordings_duration_check'],
  ['media_streams', 'media_streams_kind_check', 'media_streams_stream_type_check'],
  ['media_streams', 'media_streams_bitrate_kbps_check', 'media_streams_bitrate_check'],
  ['operation_logs', 'operation_logs_actor_idx', 'operation_logs_user_id_idx'],
];

const isIndex = (name: string) => name.endsWith('_idx');
const renameConstraint = (table: string, from: string, to: string) =>
  isIndex(from)
    ? `ALTER INDEX ${from} RENAME TO ${to};`
    : `ALTER TABLE ${table} RENAME CONSTRAINT ${from} TO ${to};`;

/** The seed's indexes (and 001's key-field indexes) that no existing index leads with. */
const seedIndexes = `
    CREATE INDEX users_email_idx ON users (email);
    CREATE INDEX users_username_idx ON users (username);
    CREATE INDEX users_role_idx ON users (role);
    CREATE INDEX users_status_idx ON users (status);
    CREATE INDEX meeting_participants_role_idx ON meeting_participants (role);
    CREATE INDEX meeting_rooms_status_idx ON meeting_rooms (status);
    CREATE INDEX meeting_recordings_status_idx ON meeting_recordings (status);
    CREATE INDEX media_streams_participant_id_idx ON media_streams (participant_id);
    CREATE INDEX media_streams_room_id_idx ON media_streams (room_id);
    CREATE INDEX media_streams_stream_type_idx ON media_streams (stream_type);
    CREATE INDEX ai_tasks_task_type_idx ON ai_tasks (task_type);
    CREATE INDEX ai_tasks_status_idx ON ai_tasks (status);
    CREATE INDEX ai_tasks_priority_idx ON ai_tasks (priority);
    CREATE INDEX operation_logs_created_at_idx ON operation_logs (created_at);`;

const seedIndexNames = [...seedIndexes.matchAll(/CREATE INDEX (\w+)/g)].map((m) => m[1]);

/**
 * media_streams.participant_id follows the participant row of the same (meeting, user): looked up
 * when a stream is written, and filled in when the participant row comes later (the two tables
 * have projectors of their own, and either may run ahead).
 */
export const participantLink = `
    CREATE FUNCTION media_streams_link_participant() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.participant_id := (SELECT p.id FROM meeting_participants p
        WHERE p.meeting_id = NEW.meeting_id AND p.user_id = NEW.user_id);
      RETURN NEW;
    END
    $$;
    CREATE TRIGGER media_streams_link_participant BEFORE INSERT OR UPDATE OF meeting_id, user_id
      ON media_streams FOR EACH ROW EXECUTE FUNCTION media_streams_link_participant();
    CREATE FUNCTION meeting_participants_link_media_streams() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE media_streams SET participant_id = NEW.id
      WHERE meeting_id = NEW.meeting_id AND user_id = NEW.user_id
        AND participant_id IS DISTINCT FROM NEW.id;
      RETURN NULL;
    END
    $$;
    CREATE TRIGGER meeting_participants_link_media_streams AFTER INSERT ON meeting_participants
      FOR EACH ROW EXECUTE FUNCTION meeting_participants_link_media_streams();`;

/** active_meetings_stats in the seed's vocabulary; `duration_seconds` runs from the actual start. */
const seedActiveMeetingsStats = `
    CREATE VIEW active_meetings_stats AS
    SELECT
      m.id AS meeting_id,
      m.title,
      m.creator_id,
      m.start_time,
      m.actual_start_at,
      p.current_participants,
      p.muted_participants,
      p.video_on_participants,
      m.is_recording,
      s.active_media_streams,
      greatest(0, floor(extract(epoch FROM now() - m.actual_start_at)))::integer AS duration_seconds
    FROM meetings m
    CROSS JOIN LATERAL (
      SELECT
        count(*)::integer AS current_participants,
        count(*) FILTER (WHERE mp.is_muted)::integer AS muted_participants,
        count(*) FILTER (WHERE mp.is_video_on)::integer AS video_on_participants
      FROM meeting_participants mp
      WHERE mp.meeting_id = m.id AND mp.join_time IS NOT NULL AND mp.leave_time IS NULL
    ) p
    CROSS JOIN LATERAL (
      SELECT count(*)::integer AS active_media_streams
      FROM media_streams ms
      WHERE ms.meeting_id = m.id AND ms.status = 'active'
    ) s
    WHERE m.status = 'started' AND m.deleted_at IS NULL;`;

const recordingStatus = (values: string) =>
  `ALTER TABLE meeting_recordings ADD CONSTRAINT meeting_recordings_status_check CHECK (status IN (${values}));`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP VIEW active_meetings_stats;
    ${renames.map(([table, from, to]) => `ALTER TABLE ${table} RENAME COLUMN ${from} TO ${to};`).join('\n')}
    ${renamedConstraints.map(([table, from, to]) => renameConstraint(table, from, to)).join('\n')}

    ALTER TABLE meetings ALTER COLUMN max_participants SET DEFAULT 100;
    ALTER TABLE meeting_participants
      ALTER COLUMN join_time SET DEFAULT now(),
      ALTER COLUMN is_video_on SET DEFAULT true;
    ALTER TABLE meeting_recordings DROP CONSTRAINT meeting_recordings_status_check;
    UPDATE meeting_recordings SET status = 'processing' WHERE status = 'stopped';
    ${recordingStatus(`'recording', 'processing', 'completed', 'failed'`)}
    ALTER TABLE meeting_recordings
      ALTER COLUMN status SET DEFAULT 'processing',
      ALTER COLUMN duration TYPE integer USING round(duration);
    ALTER TABLE operation_logs ALTER COLUMN created_at SET DEFAULT now();
    ALTER TABLE media_streams
      ADD COLUMN participant_id bigint,
      ADD COLUMN room_id uuid GENERATED ALWAYS AS (meeting_id) STORED,
      ADD COLUMN resolution text;
    ALTER TABLE ai_tasks ADD COLUMN priority integer NOT NULL DEFAULT 0;
    ${participantLink}
    UPDATE media_streams s SET participant_id = p.id
      FROM meeting_participants p WHERE p.meeting_id = s.meeting_id AND p.user_id = s.user_id;
    ${seedIndexes}
    ${seedActiveMeetingsStats}
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP VIEW active_meetings_stats;
    ${seedIndexNames.map((name) => `DROP INDEX ${name};`).join('\n')}
    DROP TRIGGER meeting_participants_link_media_streams ON meeting_participants;
    DROP FUNCTION meeting_participants_link_media_streams();
    DROP TRIGGER media_streams_link_participant ON media_streams;
    DROP FUNCTION media_streams_link_participant();
    ALTER TABLE ai_tasks DROP COLUMN priority;
    ALTER TABLE media_streams DROP COLUMN resolution, DROP COLUMN room_id, DROP COLUMN participant_id;
    ALTER TABLE operation_logs ALTER COLUMN created_at DROP DEFAULT;
    ALTER TABLE meeting_recordings
      ALTER COLUMN duration TYPE numeric,
      ALTER COLUMN status SET DEFAULT 'recording',
      DROP CONSTRAINT meeting_recordings_status_check;
    UPDATE meeting_recordings SET status = 'stopped' WHERE status = 'processing';
    ${recordingStatus(`'recording', 'stopped', 'completed', 'failed'`)}
    ALTER TABLE meeting_participants
      ALTER COLUMN is_video_on SET DEFAULT false,
      ALTER COLUMN join_time DROP DEFAULT;
    ALTER TABLE meetings ALTER COLUMN max_participants DROP DEFAULT;
    ${[...renamedConstraints]
      .reverse()
      .map(([table, from, to]) => renameConstraint(table, to, from))
      .join('\n')}
    ${[...renames]
      .reverse()
      .map(([table, from, to]) => `ALTER TABLE ${table} RENAME COLUMN ${to} TO ${from};`)
      .join('\n')}
    ${activeMeetingsStats.up}
  `);
}
