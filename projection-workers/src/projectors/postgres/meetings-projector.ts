import { defineProjector } from './define-projector.js';
import {
  changeParticipant,
  closeRoom,
  markLeft,
  openRoom,
  recountRoom,
  upsertJoined,
} from './meeting-participants-sql.js';
import {
  insertStarted,
  markCompleted,
  markFailed,
  markStopped,
  refreshIsRecording,
} from './meeting-recordings-sql.js';

/**
 * meetings, meeting_participants, meeting_rooms and meeting_recordings from `meeting-<id>` streams.
 * Every row carries the meeting stream's version it last applied; each statement changes its row
 * only below the event's version, so replaying any part of the stream changes nothing. Chat
 * messages, also in the meeting stream, belong to the chat projector.
 */
export const meetingsProjector = defineProjector('meetings', {
  MeetingScheduled: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `INSERT INTO meetings AS m (id, host_id, title, description, status, scheduled_start_at, scheduled_end_at,
         max_participants, settings, last_stream_version, created_at)
       VALUES ($1, $2, $3, $4, 'scheduled', $5, $6, $7, $8::jsonb, $9, $10)
       ON CONFLICT (id) DO UPDATE SET
         host_id = EXCLUDED.host_id,
         title = EXCLUDED.title,
         description = EXCLUDED.description,
         status = EXCLUDED.status,
         scheduled_start_at = EXCLUDED.scheduled_start_at,
         scheduled_end_at = EXCLUDED.scheduled_end_at,
         max_participants = EXCLUDED.max_participants,
         settings = EXCLUDED.settings,
         last_stream_version = EXCLUDED.last_stream_version
       WHERE m.last_stream_version < EXCLUDED.last_stream_version`,
      [
        data.meetingId,
        data.hostId,
        data.title,
        data.description,
        data.scheduledStartAt,
        data.scheduledEndAt,
        data.maxParticipants,
        JSON.stringify(data.settings),
        streamVersion,
        occurredAt,
      ],
    ),

  /** Absent fields did not change; `null` clears a nullable one (description, scheduled end). */
  MeetingUpdated: (tx, { data, streamVersion }) =>
    tx.query(
      `UPDATE meetings SET
         title = COALESCE($3::text, title),
         description = CASE WHEN $4::boolean THEN $5::text ELSE description END,
         scheduled_start_at = COALESCE($6::timestamptz, scheduled_start_at),
         scheduled_end_at = CASE WHEN $7::boolean THEN $8::timestamptz ELSE scheduled_end_at END,
         max_participants = COALESCE($9::integer, max_participants),
         last_stream_version = $2
       WHERE id = $1 AND last_stream_version < $2`,
      [
        data.meetingId,
        streamVersion,
        data.title ?? null,
        data.description !== undefined,
        data.description ?? null,
        data.scheduledStartAt ?? null,
        data.scheduledEndAt !== undefined,
        data.scheduledEndAt ?? null,
        data.maxParticipants ?? null,
      ],
    ),

  MeetingStarted: async (tx, event) => {
    await tx.query(
      `UPDATE meetings SET status = 'started', actual_start_at = $3, last_stream_version = $2
       WHERE id = $1 AND last_stream_version < $2`,
      [event.data.meetingId, event.streamVersion, event.occurredAt],
    );
    await openRoom(tx, event);
  },

  /** Leaves and the recording's stop come first as events of their own; clearing again is harmless. */
  MeetingEnded: async (tx, event) => {
    await tx.query(
      `UPDATE meetings SET status = 'ended', actual_end_at = $3, is_recording = false, last_stream_version = $2
       WHERE id = $1 AND last_stream_version < $2`,
      [event.data.meetingId, event.streamVersion, event.occurredAt],
    );
    await closeRoom(tx, event);
  },

  /** Only a scheduled meeting can be cancelled: it has no room, and no recording. */
  MeetingCancelled: (tx, { data, streamVersion }) =>
    tx.query(
      `UPDATE meetings SET status = 'cancelled', cancel_reason = $3, last_stream_version = $2
       WHERE id = $1 AND last_stream_version < $2`,
      [data.meetingId, streamVersion, data.reason],
    ),

  ParticipantJoined: async (tx, event) => {
    await upsertJoined(tx, event);
    await recountRoom(tx, event);
  },
  ParticipantLeft: async (tx, event) => {
    await markLeft(tx, event);
    await recountRoom(tx, event);
  },
  ParticipantRemoved: async (tx, event) => {
    await markLeft(tx, event);
    await recountRoom(tx, event);
  },
  ParticipantMuted: (tx, event) => changeParticipant(tx, event, { isMuted: true }),
  ParticipantUnmuted: (tx, event) => changeParticipant(tx, event, { isMuted: false }),
  ParticipantVideoTurnedOn: (tx, event) => changeParticipant(tx, event, { isVideoOn: true }),
  ParticipantVideoTurnedOff: (tx, event) => changeParticipant(tx, event, { isVideoOn: false }),
  ParticipantRoleChanged: (tx, event) => changeParticipant(tx, event, { role: event.data.role }),

  RecordingStarted: async (tx, event) => {
    await insertStarted(tx, event);
    await refreshIsRecording(tx, event);
  },
  RecordingStopped: async (tx, event) => {
    await markStopped(tx, event);
    await refreshIsRecording(tx, event);
  },
  RecordingCompleted: (tx, event) => markCompleted(tx, event),
  RecordingFailed: async (tx, event) => {
    await markFailed(tx, event);
    await refreshIsRecording(tx, event);
  },
});
