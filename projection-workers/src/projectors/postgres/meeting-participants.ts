import type { ParticipantRole } from '@meetings/events';
import type { EventOf } from './define-projector.js';
import { participantKey } from './meetings-state.js';
import type { MeetingsState } from './meetings-state.js';
import { timestamp as at } from './versioned-rows.js';

/*
 * meeting_participants and meeting_rooms, from the meeting stream, folded in memory. Each function
 * is what one per-event statement did: rows chosen by key alone (never by their state), changed only
 * when the event's stream version is above the row's, so a replayed event leaves every row as it is.
 */

/**
 * The seed's "会议创建: 创建会议 + 添加创建者为参与者": scheduling a meeting gives its creator a
 * participant row with the host role. join_time stays NULL until they actually join (it records
 * presence, which active_meetings_stats and the room counts go by); mute and video take the seed's
 * defaults until the join says otherwise. Scheduling again makes the (new) creator a host again.
 */
export function addCreator(
  state: MeetingsState,
  { data, streamVersion, occurredAt }: EventOf<'MeetingScheduled'>,
) {
  state.participants.upsert(
    participantKey(data.meetingId, data.hostId),
    streamVersion,
    () => ({
      meeting_id: data.meetingId,
      user_id: data.hostId,
      role: 'host',
      join_time: null,
      leave_time: null,
      leave_reason: null,
      removed_by: null,
      remove_reason: null,
      is_muted: false,
      is_video_on: true,
      last_stream_version: streamVersion,
      created_at: at(occurredAt),
    }),
    (p) => {
      p.role = 'host';
    },
  );
}

/** A join, first or again: a rejoin reuses the row and forgets how the user last left. */
export function join(
  state: MeetingsState,
  { data, streamVersion, occurredAt }: EventOf<'ParticipantJoined'>,
) {
  const joinedAt = at(occurredAt);
  state.participants.upsert(
    participantKey(data.meetingId, data.userId),
    streamVersion,
    () => ({
      meeting_id: data.meetingId,
      user_id: data.userId,
      role: data.role,
      join_time: joinedAt,
      leave_time: null,
      leave_reason: null,
      removed_by: null,
      remove_reason: null,
      is_muted: data.isMuted,
      is_video_on: data.isVideoOn,
      last_stream_version: streamVersion,
      created_at: joinedAt,
    }),
    (p) => {
      p.role = data.role;
      p.join_time = joinedAt;
      p.leave_time = null;
      p.leave_reason = null;
      p.removed_by = null;
      p.remove_reason = null;
      p.is_muted = data.isMuted;
      p.is_video_on = data.isVideoOn;
    },
  );
}

type LeaveEvent = EventOf<'ParticipantLeft'> | EventOf<'ParticipantRemoved'>;

export function markLeft(state: MeetingsState, event: LeaveEvent) {
  const { data, streamVersion, occurredAt } = event;
  const [leaveReason, removedBy, removeReason] =
    event.type === 'ParticipantRemoved'
      ? ['removed', event.data.removedBy, event.data.reason]
      : [event.data.reason, null, null];
  state.participants.update(participantKey(data.meetingId, data.userId), streamVersion, (p) => {
    p.leave_time = at(occurredAt);
    p.leave_reason = leaveReason;
    p.removed_by = removedBy;
    p.remove_reason = removeReason;
  });
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

export function changeParticipant(state: MeetingsState, event: ParticipantEvent, change: ParticipantChange) {
  const key = participantKey(event.data.meetingId, event.data.userId);
  state.participants.update(key, event.streamVersion, (p) => {
    p.is_muted = change.isMuted ?? p.is_muted;
    p.is_video_on = change.isVideoOn ?? p.is_video_on;
    p.role = change.role ?? p.role;
  });
}

/**
 * MeetingStarted opens the room with whoever already waits in the meeting. Its id is the meeting's
 * (there is one room per meeting), so a rebuild from the log reproduces it.
 */
export function openRoom(
  state: MeetingsState,
  { data, streamVersion, occurredAt }: EventOf<'MeetingStarted'>,
) {
  const openedAt = at(occurredAt);
  const present = state.present(data.meetingId);
  state.rooms.upsert(
    data.meetingId,
    streamVersion,
    () => ({
      room_id: data.meetingId,
      meeting_id: data.meetingId,
      sfu_node_id: null,
      status: 'open',
      current_participants: present,
      opened_at: openedAt,
      closed_at: null,
      last_stream_version: streamVersion,
      created_at: openedAt,
    }),
    (r) => {
      r.status = 'open';
      r.current_participants = present;
      r.opened_at = openedAt;
      r.closed_at = null;
    },
  );
}

/**
 * Recounts the room after a join or a leave, whether or not the participant row changed. A meeting
 * that has not started has no room yet, and nothing changes: MeetingStarted counts those waiting.
 */
export function recountRoom(state: MeetingsState, event: EventOf<'ParticipantJoined'> | LeaveEvent) {
  const { meetingId } = event.data;
  state.rooms.update(meetingId, event.streamVersion, (r) => {
    r.current_participants = state.present(meetingId);
  });
}

/** Everyone has left by then (ParticipantLeft precedes MeetingEnded); the recount makes sure of it. */
export function closeRoom(
  state: MeetingsState,
  { data, streamVersion, occurredAt }: EventOf<'MeetingEnded'>,
) {
  state.rooms.update(data.meetingId, streamVersion, (r) => {
    r.status = 'closed';
    r.closed_at = at(occurredAt);
    r.current_participants = state.present(data.meetingId);
  });
}
