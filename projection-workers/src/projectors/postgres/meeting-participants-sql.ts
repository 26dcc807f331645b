import type { ParticipantRole } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { EventOf } from './define-projector.js';

/*
 * meeting_participants and meeting_rooms, from the meeting stream. Every statement touches its row
 * only when the row's `last_stream_version` is below the event's, and selects rows by key alone
 * (never by their state), so a replayed event leaves every row as it is.
 */

/** Present = joined and not left since; the same definition as active_meetings_stats. */
const presentCount = `(
  SELECT count(*)::integer FROM meeting_participants
  WHERE meeting_id = $1 AND joined_at IS NOT NULL AND left_at IS NULL)`;

/** A join, first or again: a rejoin reuses the row and forgets how the user last left. */
export function upsertJoined(
  tx: ClientBase,
  { data, streamVersion, occurredAt }: EventOf<'ParticipantJoined'>,
) {
  return tx.query(
    `INSERT INTO meeting_participants AS p
       (meeting_id, user_id, role, joined_at, is_muted, is_video_on, last_stream_version, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $4)
     ON CONFLICT (meeting_id, user_id) DO UPDATE SET
       role = EXCLUDED.role,
       joined_at = EXCLUDED.joined_at,
       left_at = NULL,
       leave_reason = NULL,
       removed_by = NULL,
       remove_reason = NULL,
       is_muted = EXCLUDED.is_muted,
       is_video_on = EXCLUDED.is_video_on,
       last_stream_version = EXCLUDED.last_stream_version
     WHERE p.last_stream_version < EXCLUDED.last_stream_version`,
    [data.meetingId, data.userId, data.role, occurredAt, data.isMuted, data.isVideoOn, streamVersion],
  );
}

type LeaveEvent = EventOf<'ParticipantLeft'> | EventOf<'ParticipantRemoved'>;

export function markLeft(tx: ClientBase, event: LeaveEvent) {
  const { data, streamVersion, occurredAt } = event;
  const [leaveReason, removedBy, removeReason] =
    event.type === 'ParticipantRemoved'
      ? ['removed', event.data.removedBy, event.data.reason]
      : [event.data.reason, null, null];
  return tx.query(
    `UPDATE meeting_participants SET
       left_at = $4, leave_reason = $5, removed_by = $6, remove_reason = $7, last_stream_version = $3
     WHERE meeting_id = $1 AND user_id = $2 AND last_stream_version < $3`,
    [data.meetingId, data.userId, streamVersion, occurredAt, leaveReason, removedBy, removeReason],
  );
}

/** The participant columns a mute, video or role event sets. */
export interface ParticipantChange {
  isMuted?: boolean;
  isVideoOn?: boolean;
  role?: ParticipantRole;
}

type ParticipantEvent = EventOf<
  | 'ParticipantMuted'
  | 'ParticipantUnmuted'
  | 'ParticipantVideoTurnedOn'
  | 'ParticipantVideoTurnedOff'
  | 'ParticipantRoleChanged'
>;

export function changeParticipant(tx: ClientBase, event: ParticipantEvent, change: ParticipantChange) {
  return tx.query(
    `UPDATE meeting_participants SET
       is_muted = COALESCE($4::boolean, is_muted),
       is_video_on = COALESCE($5::boolean, is_video_on),
       role = COALESCE($6::text, role),
       last_stream_version = $3
     WHERE meeting_id = $1 AND user_id = $2 AND last_stream_version < $3`,
    [
      event.data.meetingId,
      event.data.userId,
      event.streamVersion,
      change.isMuted ?? null,
      change.isVideoOn ?? null,
      change.role ?? null,
    ],
  );
}

/**
 * MeetingStarted opens the room with whoever already waits in the meeting. Its id is the meeting's
 * (there is one room per meeting), so a rebuild from the log reproduces it.
 */
export function openRoom(tx: ClientBase, { data, streamVersion, occurredAt }: EventOf<'MeetingStarted'>) {
  return tx.query(
    `INSERT INTO meeting_rooms AS r
       (id, meeting_id, room_status, current_participants, opened_at, last_stream_version, created_at)
     VALUES ($1, $1, 'open', ${presentCount}, $3, $2, $3)
     ON CONFLICT (meeting_id) DO UPDATE SET
       room_status = 'open',
       current_participants = EXCLUDED.current_participants,
       opened_at = EXCLUDED.opened_at,
       closed_at = NULL,
       last_stream_version = EXCLUDED.last_stream_version
     WHERE r.last_stream_version < EXCLUDED.last_stream_version`,
    [data.meetingId, streamVersion, occurredAt],
  );
}

/**
 * Recounts the room after a join or a leave. A meeting that has not started has no room yet, and
 * the statement then changes nothing: MeetingStarted counts those already waiting.
 */
export function recountRoom(tx: ClientBase, event: EventOf<'ParticipantJoined'> | LeaveEvent) {
  return tx.query(
    `UPDATE meeting_rooms SET current_participants = ${presentCount}, last_stream_version = $2
     WHERE meeting_id = $1 AND last_stream_version < $2`,
    [event.data.meetingId, event.streamVersion],
  );
}

/** Everyone has left by then (ParticipantLeft precedes MeetingEnded); the recount makes sure of it. */
export function closeRoom(tx: ClientBase, { data, streamVersion, occurredAt }: EventOf<'MeetingEnded'>) {
  return tx.query(
    `UPDATE meeting_rooms SET
       room_status = 'closed', closed_at = $3, current_participants = ${presentCount}, last_stream_version = $2
     WHERE meeting_id = $1 AND last_stream_version < $2`,
    [data.meetingId, streamVersion, occurredAt],
  );
}
