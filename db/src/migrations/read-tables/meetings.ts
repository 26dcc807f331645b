import { streamVersion, timestamps, touchUpdatedAt } from './sql.js';
import type { SqlStep } from './sql.js';

/*
 * Projected from `meeting-<id>` streams; `last_stream_version` is that stream's version.
 * CHECKs mirror the event contracts (enums, ranges) and nothing stricter: a read table must never
 * reject a fact the write side has already recorded.
 */

export const meetings: SqlStep = {
  up: `
    CREATE TABLE meetings (
      id uuid PRIMARY KEY,
      -- RESTRICT: users are soft-deleted; hard-deleting a host must first decide their meetings' fate.
      host_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
      title text NOT NULL,
      description text,
      status text NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'started', 'ended', 'cancelled')),
      scheduled_start_at timestamptz NOT NULL,
      scheduled_end_at timestamptz,
      actual_start_at timestamptz,
      actual_end_at timestamptz,
      max_participants integer NOT NULL CHECK (max_participants > 0),
      is_recording boolean NOT NULL DEFAULT false,
      settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
      cancel_reason text,
      deleted_at timestamptz,${streamVersion},${timestamps}
    );
    CREATE INDEX meetings_status_idx ON meetings (status);
    CREATE INDEX meetings_host_id_idx ON meetings (host_id);
    CREATE INDEX meetings_scheduled_start_at_idx ON meetings (scheduled_start_at);
    ${touchUpdatedAt('meetings')}`,
  down: 'DROP TABLE IF EXISTS meetings;',
};

/** One row per user per meeting: a rejoin clears left_at/leave_reason on the same row. */
export const meetingParticipants: SqlStep = {
  up: `
    CREATE TABLE meeting_participants (
      id bigserial PRIMARY KEY,
      -- CASCADE (here and in every meeting child): the row means nothing without its meeting.
      meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
      -- CASCADE: attendance is the user's own data and goes when the user is erased.
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role text NOT NULL DEFAULT 'participant' CHECK (role IN ('host', 'participant')),
      joined_at timestamptz,
      left_at timestamptz,
      leave_reason text CHECK (leave_reason IN ('left', 'meeting_ended', 'removed')),
      -- SET NULL: who removed someone is an annotation; the attendance row outlives that user.
      removed_by uuid REFERENCES users (id) ON DELETE SET NULL,
      remove_reason text,
      is_muted boolean NOT NULL DEFAULT false,
      is_video_on boolean NOT NULL DEFAULT false,${streamVersion},${timestamps},
      CONSTRAINT meeting_participants_meeting_user_key UNIQUE (meeting_id, user_id),
      CONSTRAINT meeting_participants_left_pair_check CHECK ((left_at IS NULL) = (leave_reason IS NULL))
    );
    -- (meeting_id, ...) lookups use the unique index; this one serves per-user history and FK deletes.
    CREATE INDEX meeting_participants_user_id_idx ON meeting_participants (user_id);
    ${touchUpdatedAt('meeting_participants')}`,
  down: 'DROP TABLE IF EXISTS meeting_participants;',
};

/**
 * The live room of a started meeting. `sfu_node_id` is the node it was placed on
 * (MeetingPlacedOnSfuNode); it and the counters follow the meeting stream, which
 * `last_stream_version` tracks.
 */
export const meetingRooms: SqlStep = {
  up: `
    CREATE TABLE meeting_rooms (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
      sfu_node_id text,
      room_status text NOT NULL DEFAULT 'open' CHECK (room_status IN ('open', 'closed')),
      current_participants integer NOT NULL DEFAULT 0 CHECK (current_participants >= 0),
      opened_at timestamptz NOT NULL,
      closed_at timestamptz,${streamVersion},${timestamps},
      CONSTRAINT meeting_rooms_meeting_id_key UNIQUE (meeting_id),
      CONSTRAINT meeting_rooms_closed_check CHECK ((room_status = 'closed') = (closed_at IS NOT NULL))
    );
    -- When an SFU node dies, find the rooms it was serving.
    CREATE INDEX meeting_rooms_open_sfu_node_idx ON meeting_rooms (sfu_node_id) WHERE room_status = 'open';
    ${touchUpdatedAt('meeting_rooms')}`,
  down: 'DROP TABLE IF EXISTS meeting_rooms;',
};

/** id = the events' recordingId. Completed and failed rows must carry what their event carried. */
export const meetingRecordings: SqlStep = {
  up: `
    CREATE TABLE meeting_recordings (
      id uuid PRIMARY KEY,
      meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
      -- SET NULL: the recording belongs to the meeting, not to whoever pressed the button.
      started_by uuid REFERENCES users (id) ON DELETE SET NULL,
      stopped_by uuid REFERENCES users (id) ON DELETE SET NULL,
      status text NOT NULL DEFAULT 'recording'
        CHECK (status IN ('recording', 'stopped', 'completed', 'failed')),
      started_at timestamptz NOT NULL,
      stopped_at timestamptz,
      completed_at timestamptz,
      storage_key text,
      size_bytes bigint CHECK (size_bytes >= 0),
      duration_seconds numeric CHECK (duration_seconds >= 0),
      format text,
      failure_reason text,
      deleted_at timestamptz,${streamVersion},${timestamps},
      CONSTRAINT meeting_recordings_completed_check CHECK (status <> 'completed' OR (
        storage_key IS NOT NULL AND size_bytes IS NOT NULL AND duration_seconds IS NOT NULL AND format IS NOT NULL)),
      CONSTRAINT meeting_recordings_failed_check CHECK (status <> 'failed' OR failure_reason IS NOT NULL)
    );
    CREATE INDEX meeting_recordings_meeting_id_idx ON meeting_recordings (meeting_id, started_at);
    ${touchUpdatedAt('meeting_recordings')}`,
  down: 'DROP TABLE IF EXISTS meeting_recordings;',
};
