import { meetingEventSchemas } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import { iso, participantKey } from './rows.js';
import type { ChatRow, MeetingRow, ParticipantRow, RecordingRow, RoomRow } from './rows.js';

/*
 * The meeting-stream read tables as a plain fold over the log, written from the event contracts and
 * the write side's rules, NOT from the projectors' SQL: a projector bug shows up as a difference.
 * Times are the events' occurredAt unless the event carries its own.
 */

type MeetingStreamEvent = Extract<DecodedEvent, { type: keyof typeof meetingEventSchemas }>;

export const isMeetingEvent = (event: DecodedEvent): event is MeetingStreamEvent =>
  Object.hasOwn(meetingEventSchemas, event.type);

/** One meeting while folding: its row, every attendance row ever opened, its room and recordings. */
interface MeetingFold {
  row: MeetingRow;
  attendance: Map<string, ParticipantRow>;
  room: RoomRow | null;
  recordings: Map<string, RecordingRow>;
  /** The recording in progress (the write side allows one at a time). */
  activeRecording: string | null;
}

export interface MeetingTables {
  meetings: MeetingRow[];
  meeting_participants: ParticipantRow[];
  meeting_rooms: RoomRow[];
  meeting_recordings: RecordingRow[];
  signaling_messages: ChatRow[];
}

/** Present: joined and not left since (the creator's row waits for their join with join_time NULL). */
const present = (m: MeetingFold) =>
  [...m.attendance.values()].filter((p) => p.join_time !== null && p.leave_time === null);

/** Folds every `meeting-<id>` event of the log (in log order) into the meeting tables. */
export function foldMeetingTables(events: readonly DecodedEvent[]): MeetingTables {
  const meetings = new Map<string, MeetingFold>();
  const chat: ChatRow[] = [];

  for (const event of events) {
    if (!isMeetingEvent(event)) continue;
    const version = event.streamVersion;
    const at = iso(event.occurredAt);

    if (event.type === 'MeetingScheduled') {
      const d = event.data;
      meetings.set(d.meetingId, {
        row: {
          id: d.meetingId,
          creator_id: d.hostId,
          title: d.title,
          description: d.description,
          status: 'scheduled',
          start_time: iso(d.scheduledStartAt),
          end_time: d.scheduledEndAt === null ? null : iso(d.scheduledEndAt),
          actual_start_at: null,
          actual_end_at: null,
          max_participants: d.maxParticipants,
          is_recording: false,
          settings: { ...d.settings },
          access: d.settings.access,
          lobby: d.settings.lobby,
          cancel_reason: null,
          deleted_at: null,
          last_stream_version: version,
        },
        // 000: creating a meeting adds its creator as a participant; a host who has not joined yet.
        attendance: new Map([
          [
            d.hostId,
            {
              id: participantKey(d.meetingId, d.hostId),
              meeting_id: d.meetingId,
              user_id: d.hostId,
              role: 'host',
              join_time: null,
              leave_time: null,
              leave_reason: null,
              removed_by: null,
              remove_reason: null,
              is_muted: false,
              is_video_on: true,
              last_stream_version: version,
            },
          ],
        ]),
        room: null,
        recordings: new Map(),
        activeRecording: null,
      });
      continue;
    }

    const m = meetings.get(event.data.meetingId);
    if (!m) throw new Error(`${event.type} before MeetingScheduled in ${event.streamId}`);
    const meeting = m.row;
    // The meeting row follows every event of its stream: its version is the stream's.
    meeting.last_stream_version = version;
    const recountRoom = () => {
      if (!m.room || m.room.status !== 'open') return;
      m.room.current_participants = present(m).length;
      m.room.last_stream_version = version;
    };
    const attendee = (userId: string) => {
      const row = m.attendance.get(userId);
      if (!row) throw new Error(`${event.type} about ${userId}, who never joined ${meeting.id}`);
      row.last_stream_version = version;
      return row;
    };
    const recording = (recordingId: string) => {
      const row = m.recordings.get(recordingId);
      if (!row) throw new Error(`${event.type} of unknown recording ${recordingId}`);
      row.last_stream_version = version;
      return row;
    };

    switch (event.type) {
      case 'MeetingUpdated': {
        const d = event.data;
        if (d.title !== undefined) meeting.title = d.title;
        if (d.description !== undefined) meeting.description = d.description;
        if (d.scheduledStartAt !== undefined) meeting.start_time = iso(d.scheduledStartAt);
        if (d.scheduledEndAt !== undefined)
          meeting.end_time = d.scheduledEndAt === null ? null : iso(d.scheduledEndAt);
        if (d.maxParticipants !== undefined) meeting.max_participants = d.maxParticipants;
        break;
      }
      case 'MeetingSettingsChanged': {
        // Only what changed is in the event; the passcode's version is not the read side's.
        const { muteOnJoin, allowChat, access, lobby } = event.data;
        if (muteOnJoin !== undefined) meeting.settings.muteOnJoin = muteOnJoin;
        if (allowChat !== undefined) meeting.settings.allowChat = allowChat;
        if (access !== undefined) meeting.settings.access = meeting.access = access;
        if (lobby !== undefined) meeting.settings.lobby = meeting.lobby = lobby;
        break;
      }
      // Invitations and bans have tables of their own (expected-access.ts); the lobby is Redis only.
      case 'ParticipantInvited':
      case 'InvitationRevoked':
      case 'BanLifted':
      case 'ParticipantWaiting':
      case 'ParticipantAdmitted':
      case 'ParticipantDenied':
      case 'ParticipantLeftLobby':
        break;
      case 'MeetingStarted':
        meeting.status = 'started';
        meeting.actual_start_at = at;
        // The room opens with whoever already waits in the meeting.
        m.room = {
          room_id: meeting.id,
          meeting_id: meeting.id,
          // Placement (MeetingPlacedOnSfuNode) comes after the start.
          sfu_node_id: null,
          status: 'open',
          current_participants: present(m).length,
          opened_at: at,
          closed_at: null,
          last_stream_version: version,
        };
        break;
      case 'MeetingEnded':
        meeting.status = 'ended';
        meeting.actual_end_at = at;
        meeting.is_recording = false;
        m.activeRecording = null;
        if (m.room) {
          m.room.status = 'closed';
          m.room.closed_at = at;
          m.room.current_participants = present(m).length;
          m.room.last_stream_version = version;
        }
        break;
      case 'MeetingPlacedOnSfuNode':
        if (m.room) {
          m.room.sfu_node_id = event.data.sfuNodeId;
          m.room.last_stream_version = version;
        }
        break;
      case 'MeetingCancelled':
        meeting.status = 'cancelled';
        meeting.cancel_reason = event.data.reason;
        break;
      case 'ParticipantJoined': {
        const d = event.data;
        // One row per user and meeting: a rejoin reopens it and forgets how the user last left.
        m.attendance.set(d.userId, {
          id: participantKey(meeting.id, d.userId),
          meeting_id: meeting.id,
          user_id: d.userId,
          role: d.role,
          join_time: at,
          leave_time: null,
          leave_reason: null,
          removed_by: null,
          remove_reason: null,
          is_muted: d.isMuted,
          is_video_on: d.isVideoOn,
          last_stream_version: version,
        });
        recountRoom();
        break;
      }
      case 'ParticipantLeft':
      case 'ParticipantRemoved': {
        const row = attendee(event.data.userId);
        row.leave_time = at;
        if (event.type === 'ParticipantRemoved') {
          row.leave_reason = 'removed';
          row.removed_by = event.data.removedBy;
          row.remove_reason = event.data.reason;
        } else {
          row.leave_reason = event.data.reason;
        }
        recountRoom();
        break;
      }
      case 'ParticipantMuted':
        attendee(event.data.userId).is_muted = true;
        break;
      case 'ParticipantUnmuted':
        attendee(event.data.userId).is_muted = false;
        break;
      case 'ParticipantVideoTurnedOn':
        attendee(event.data.userId).is_video_on = true;
        break;
      case 'ParticipantVideoTurnedOff':
        attendee(event.data.userId).is_video_on = false;
        break;
      case 'ParticipantRoleChanged':
        attendee(event.data.userId).role = event.data.role;
        break;
      case 'RecordingStarted': {
        const d = event.data;
        m.recordings.set(d.recordingId, {
          id: d.recordingId,
          meeting_id: meeting.id,
          started_by: d.startedBy,
          stopped_by: null,
          status: 'recording',
          started_at: at,
          stopped_at: null,
          completed_at: null,
          file_path: null,
          file_size: null,
          duration: null,
          format: null,
          failure_reason: null,
          deleted_at: null,
          last_stream_version: version,
        });
        m.activeRecording = d.recordingId;
        meeting.is_recording = true;
        break;
      }
      case 'RecordingStopped': {
        const row = recording(event.data.recordingId);
        // Stopped, the file not stored yet: the seed's `processing`.
        row.status = 'processing';
        row.stopped_by = event.data.stoppedBy;
        row.stopped_at = at;
        if (m.activeRecording === row.id) m.activeRecording = null;
        meeting.is_recording = m.activeRecording !== null;
        break;
      }
      case 'RecordingCompleted': {
        const d = event.data;
        const row = recording(d.recordingId);
        row.status = 'completed';
        row.completed_at = at;
        row.file_path = d.storageKey;
        row.file_size = d.sizeBytes;
        // The seed's `duration INT`: whole seconds.
        row.duration = Math.round(d.durationSeconds);
        row.format = d.format;
        break;
      }
      case 'RecordingFailed': {
        // A running recording may fail too: it then ends without a stop.
        const row = recording(event.data.recordingId);
        row.status = 'failed';
        row.failure_reason = event.data.reason;
        if (m.activeRecording === row.id) m.activeRecording = null;
        meeting.is_recording = m.activeRecording !== null;
        break;
      }
      case 'ChatMessageSent': {
        const d = event.data;
        chat.push({
          id: d.messageId,
          meeting_id: meeting.id,
          sender_id: d.senderId,
          recipient_id: d.recipientId,
          message_type: 'chat',
          content: d.text,
          payload: null,
          sent_at: at,
          last_stream_version: version,
        });
        break;
      }
      default:
        throw new Error(`unexpected ${(event as DecodedEvent).type} in ${(event as DecodedEvent).streamId}`);
    }
  }

  const all = [...meetings.values()];
  return {
    meetings: all.map((m) => m.row),
    meeting_participants: all.flatMap((m) => [...m.attendance.values()]),
    meeting_rooms: all.flatMap((m) => (m.room ? [m.room] : [])),
    meeting_recordings: all.flatMap((m) => [...m.recordings.values()]),
    signaling_messages: chat,
  };
}
