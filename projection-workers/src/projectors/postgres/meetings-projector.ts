import type { EventType } from '@meetings/events';
import { defineBatchProjector } from './define-projector.js';
import type { EventOf, FoldHandlers } from './define-projector.js';
import {
  addCreator,
  changeParticipant,
  closeRoom,
  join,
  markLeft,
  openRoom,
  recountRoom,
} from './meeting-participants.js';
import {
  insertStarted,
  markCompleted,
  markFailed,
  markStopped,
  refreshIsRecording,
} from './meeting-recordings.js';
import { MeetingsState } from './meetings-state.js';
import { timestamp } from './versioned-rows.js';

/**
 * meetings, meeting_participants, meeting_rooms and meeting_recordings from `meeting-<id>` streams.
 * Every row carries the meeting stream's version it last applied, and an event changes a row only
 * below its version, so replaying any part of the stream changes nothing. A batch is applied by
 * loading its rows, folding its events over them in log order and writing each changed row once
 * (see versioned-rows.ts): a handful of statements per batch instead of several per event. Chat
 * messages, invitations, bans and the lobby, also in the meeting stream, belong to other
 * projectors; here they only move the meeting row's version, which follows every event of the stream (see `reflectingTheStream`).
 */
export const meetingsProjector = defineBatchProjector(
  'meetings',
  (tx, events) => MeetingsState.load(tx, events),
  reflectingTheStream({
    MeetingScheduled: (state, event) => {
      const { data, streamVersion, occurredAt } = event;
      state.meetings.upsert(
        data.meetingId,
        streamVersion,
        () => ({
          id: data.meetingId,
          creator_id: data.hostId,
          title: data.title,
          description: data.description,
          status: 'scheduled',
          start_time: data.scheduledStartAt,
          end_time: data.scheduledEndAt,
          actual_start_at: null,
          actual_end_at: null,
          max_participants: data.maxParticipants,
          is_recording: false,
          settings: JSON.stringify(data.settings),
          access: data.settings.access,
          lobby: data.settings.lobby,
          cancel_reason: null,
          last_stream_version: streamVersion,
          created_at: timestamp(occurredAt),
        }),
        // Scheduling again replaces the plan; what happened since (start, recording) stays.
        (m) => {
          m.creator_id = data.hostId;
          m.title = data.title;
          m.description = data.description;
          m.status = 'scheduled';
          m.start_time = data.scheduledStartAt;
          m.end_time = data.scheduledEndAt;
          m.max_participants = data.maxParticipants;
          m.settings = JSON.stringify(data.settings);
          m.access = data.settings.access;
          m.lobby = data.settings.lobby;
        },
      );
      addCreator(state, event);
    },

    /** Absent settings did not change; the passcode's version stays on the write side. */
    MeetingSettingsChanged: (state, { data, streamVersion }) =>
      state.meetings.update(data.meetingId, streamVersion, (m) => {
        const settings = JSON.parse(m.settings) as Record<string, unknown>;
        for (const name of ['muteOnJoin', 'allowChat', 'access', 'lobby'] as const) {
          if (data[name] !== undefined) settings[name] = data[name];
        }
        m.settings = JSON.stringify(settings);
        m.access = data.access ?? m.access;
        m.lobby = data.lobby ?? m.lobby;
      }),

    /** Absent fields did not change; `null` clears a nullable one (description, scheduled end). */
    MeetingUpdated: (state, { data, streamVersion }) =>
      state.meetings.update(data.meetingId, streamVersion, (m) => {
        m.title = data.title ?? m.title;
        if (data.description !== undefined) m.description = data.description;
        m.start_time = data.scheduledStartAt ?? m.start_time;
        if (data.scheduledEndAt !== undefined) m.end_time = data.scheduledEndAt;
        m.max_participants = data.maxParticipants ?? m.max_participants;
      }),

    MeetingStarted: (state, event) => {
      state.meetings.update(event.data.meetingId, event.streamVersion, (m) => {
        m.status = 'started';
        m.actual_start_at = timestamp(event.occurredAt);
      });
      openRoom(state, event);
    },

    /** Leaves and the recording's stop come first as events of their own; clearing again is harmless. */
    MeetingEnded: (state, event) => {
      state.meetings.update(event.data.meetingId, event.streamVersion, (m) => {
        m.status = 'ended';
        m.actual_end_at = timestamp(event.occurredAt);
        m.is_recording = false;
      });
      closeRoom(state, event);
    },

    /** Only a started meeting is placed, so its room exists. */
    MeetingPlacedOnSfuNode: (state, { data, streamVersion }) =>
      state.rooms.update(data.meetingId, streamVersion, (r) => {
        r.sfu_node_id = data.sfuNodeId;
      }),

    /** Only a scheduled meeting can be cancelled: it has no room, and no recording. */
    MeetingCancelled: (state, { data, streamVersion }) =>
      state.meetings.update(data.meetingId, streamVersion, (m) => {
        m.status = 'cancelled';
        m.cancel_reason = data.reason;
      }),

    ParticipantJoined: (state, event) => {
      join(state, event);
      recountRoom(state, event);
    },
    ParticipantLeft: (state, event) => {
      markLeft(state, event);
      recountRoom(state, event);
    },
    ParticipantRemoved: (state, event) => {
      markLeft(state, event);
      recountRoom(state, event);
    },
    ParticipantMuted: (state, event) => changeParticipant(state, event, { isMuted: true }),
    ParticipantUnmuted: (state, event) => changeParticipant(state, event, { isMuted: false }),
    ParticipantVideoTurnedOn: (state, event) => changeParticipant(state, event, { isVideoOn: true }),
    ParticipantVideoTurnedOff: (state, event) => changeParticipant(state, event, { isVideoOn: false }),
    ParticipantRoleChanged: (state, event) => changeParticipant(state, event, { role: event.data.role }),

    RecordingStarted: (state, event) => {
      insertStarted(state, event);
      refreshIsRecording(state, event);
    },
    RecordingStopped: (state, event) => {
      markStopped(state, event);
      refreshIsRecording(state, event);
    },
    RecordingCompleted: (state, event) => markCompleted(state, event),
    RecordingFailed: (state, event) => {
      markFailed(state, event);
      refreshIsRecording(state, event);
    },
    ChatMessageSent: () => undefined,
    // Invitations and bans are the meeting-access projector's; the lobby lives in the room cache.
    ParticipantInvited: () => undefined,
    InvitationRevoked: () => undefined,
    BanLifted: () => undefined,
    ParticipantWaiting: () => undefined,
    ParticipantAdmitted: () => undefined,
    ParticipantDenied: () => undefined,
    ParticipantLeftLobby: () => undefined,
  }),
);

/**
 * Every event of the meeting stream, whichever rows it changes, moves the meeting row's
 * `last_stream_version` to its own: the row then answers the stream's version (what a client
 * sends back as If-Match), not the version of the last event that changed its own columns.
 */
function reflectingTheStream<T extends EventType>(
  handlers: FoldHandlers<T, MeetingsState>,
): FoldHandlers<T, MeetingsState> {
  const each = handlers as unknown as Record<string, (state: MeetingsState, event: EventOf<T>) => void>;
  return Object.fromEntries(
    Object.entries(each).map(([type, handle]) => [
      type,
      (state: MeetingsState, event: EventOf<T>) => {
        handle(state, event);
        const { meetingId } = event.data as { meetingId: string };
        state.meetings.update(meetingId, event.streamVersion, () => undefined);
      },
    ]),
  ) as unknown as FoldHandlers<T, MeetingsState>;
}
