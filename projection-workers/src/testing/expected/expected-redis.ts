import type { DecodedEvent, MeetingSettings, ParticipantRole } from '@meetings/events';
import { invitedJob, startedJobTemplate } from '../../projectors/redis/notification-jobs.js';
import { isMeetingEvent } from './expected-meetings.js';

/*
 * The Redis room cache as an independent fold of the log, in the shape of dumpRedis() (prefix and
 * TTLs gone, checkpoints left out) with the JSON inside made comparable: a room's JSON fields
 * parsed, the notification jobs parsed, newest first as LPUSH leaves them.
 *
 * A room (`room:<meetingId>`) exists from the first join or the start of its meeting until the
 * meeting ends or is cancelled. `room-version:<meetingId>` is the version of the last meeting event
 * the cache takes (any event about the room's life, its participants or its recording), whether or
 * not a room existed then. `meeting-invitees:<meetingId>` holds who is invited to a meeting not
 * over yet. Every recent enough invitation queues an email job for the new invitee, every recent
 * enough MeetingStarted one for each invitee not in the room.
 * `room-settings:<meetingId>` holds the settings of a meeting scheduled and not over yet; a room
 * carries a copy, and who waits in its lobby. A room's `participants` is the seed's list of user
 * ids in join order, the state of each in `participant_state`; its times are epoch seconds.
 */

interface Attendee {
  role: ParticipantRole;
  isMuted: boolean;
  isVideoOn: boolean;
  joinedAt: string;
}

interface Room {
  meeting_id: string;
  created_at: string;
  status: 'waiting' | 'active';
  participants: Map<string, Attendee>;
  lobby: Map<string, { waitingSince: string }>;
  recording_id: string;
  sfu_node_id: string;
  version: number;
  updated_at: string;
}

/** Meeting events the room cache does not take: nothing about the room's life or who is in it. */
const NOT_ROOM_EVENTS: ReadonlySet<string> = new Set([
  'MeetingUpdated',
  'BanLifted',
  'RecordingCompleted',
  'ChatMessageSent',
]);

export interface RoomCacheOptions {
  /** The projection's clock when it applied the events. */
  now: Date;
  notifyMaxAgeSeconds: number;
}

/** Present participants in join order (ties by user id). */
function joinOrder(room: Room): string[] {
  return [...room.participants.entries()]
    .sort(([a, pa], [b, pb]) =>
      pa.joinedAt !== pb.joinedAt ? (pa.joinedAt < pb.joinedAt ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0,
    )
    .map(([id]) => id);
}

export function foldRoomCache(
  events: readonly DecodedEvent[],
  { now, notifyMaxAgeSeconds }: RoomCacheOptions,
): Record<string, unknown> {
  const rooms = new Map<string, Room>();
  const guards = new Map<string, number>();
  const settings = new Map<string, MeetingSettings>();
  const invitees = new Map<string, Set<string>>();
  const jobs: unknown[] = [];

  for (const event of events) {
    if (!isMeetingEvent(event) || NOT_ROOM_EVENTS.has(event.type)) continue;
    const meetingId = event.data.meetingId;
    const at = event.occurredAt.toISOString();
    const atSeconds = String(Math.floor(event.occurredAt.getTime() / 1000));
    guards.set(meetingId, event.streamVersion);

    const recent = now.getTime() - event.occurredAt.getTime() <= notifyMaxAgeSeconds * 1000;

    if (event.type === 'MeetingEnded' || event.type === 'MeetingCancelled') {
      rooms.delete(meetingId);
      settings.delete(meetingId);
      invitees.delete(meetingId);
      continue;
    }
    if (event.type === 'ParticipantInvited' || event.type === 'InvitationRevoked') {
      const set = invitees.get(meetingId) ?? new Set<string>();
      invitees.set(meetingId, set);
      const isNew = !set.has(event.data.userId);
      if (event.type === 'InvitationRevoked') set.delete(event.data.userId);
      else set.add(event.data.userId);
      if (event.type === 'ParticipantInvited' && isNew && recent) jobs.unshift(JSON.parse(invitedJob(event)));
      continue;
    }
    if (event.type === 'MeetingScheduled') {
      settings.set(meetingId, { ...event.data.settings });
      continue;
    }
    if (event.type === 'MeetingSettingsChanged') {
      const { muteOnJoin, allowChat, access, lobby } = event.data;
      const current = settings.get(meetingId)!;
      if (muteOnJoin !== undefined) current.muteOnJoin = muteOnJoin;
      if (allowChat !== undefined) current.allowChat = allowChat;
      if (access !== undefined) current.access = access;
      if (lobby !== undefined) current.lobby = lobby;
    }
    // A start, a join or a wait creates a room; anything else about a missing room moved the guard only.
    const creates =
      event.type === 'MeetingStarted' ||
      event.type === 'ParticipantJoined' ||
      event.type === 'ParticipantWaiting';
    const room: Room | undefined =
      rooms.get(meetingId) ??
      (creates
        ? {
            meeting_id: meetingId,
            created_at: atSeconds,
            status: 'waiting',
            participants: new Map(),
            lobby: new Map(),
            recording_id: '',
            sfu_node_id: '',
            version: 0,
            updated_at: atSeconds,
          }
        : undefined);
    if (!room) continue;
    rooms.set(meetingId, room);
    const attendee = (userId: string) => room.participants.get(userId);

    switch (event.type) {
      case 'MeetingStarted':
        room.status = 'active';
        break;
      case 'ParticipantJoined': {
        const { userId, role, isMuted, isVideoOn } = event.data;
        room.participants.set(userId, { role, isMuted, isVideoOn, joinedAt: at });
        break;
      }
      case 'ParticipantLeft':
      case 'ParticipantRemoved':
        room.participants.delete(event.data.userId);
        break;
      case 'ParticipantMuted':
      case 'ParticipantUnmuted': {
        const p = attendee(event.data.userId);
        if (p) p.isMuted = event.type === 'ParticipantMuted';
        break;
      }
      case 'ParticipantVideoTurnedOn':
      case 'ParticipantVideoTurnedOff': {
        const p = attendee(event.data.userId);
        if (p) p.isVideoOn = event.type === 'ParticipantVideoTurnedOn';
        break;
      }
      case 'ParticipantRoleChanged': {
        const p = attendee(event.data.userId);
        if (p) p.role = event.data.role;
        break;
      }
      case 'ParticipantWaiting':
        room.lobby.set(event.data.userId, { waitingSince: at });
        break;
      case 'ParticipantAdmitted':
      case 'ParticipantDenied':
      case 'ParticipantLeftLobby':
        room.lobby.delete(event.data.userId);
        break;
      case 'MeetingSettingsChanged':
        break; // the copy is taken below
      case 'RecordingStarted':
        room.recording_id = event.data.recordingId;
        break;
      case 'MeetingPlacedOnSfuNode':
        room.sfu_node_id = event.data.sfuNodeId;
        break;
      case 'RecordingStopped':
      case 'RecordingFailed':
        // Only the running recording's end clears it; an earlier, stopped one may fail meanwhile.
        if (room.recording_id === event.data.recordingId) room.recording_id = '';
        break;
      default:
        throw new Error(`the room cache fold does not know ${event.type}`);
    }
    room.version = event.streamVersion;
    room.updated_at = atSeconds;

    if (event.type === 'MeetingStarted' && recent) {
      const template = JSON.parse(startedJobTemplate(event)) as Record<string, unknown>;
      const absent = [...(invitees.get(meetingId) ?? [])]
        .filter((id) => !room.participants.has(id) && id !== event.data.startedBy)
        .sort();
      for (const id of absent) {
        jobs.unshift({ ...template, jobId: `${event.eventId}:${id}`, to: { userId: id } });
      }
    }
  }

  const dump: Record<string, unknown> = {};
  for (const [meetingId, version] of guards) dump[`room-version:${meetingId}`] = String(version);
  for (const [meetingId, current] of settings) dump[`room-settings:${meetingId}`] = current;
  for (const [meetingId, set] of invitees) {
    if (set.size > 0) dump[`meeting-invitees:${meetingId}`] = [...set].sort();
  }
  for (const [meetingId, room] of rooms) {
    dump[`room:${meetingId}`] = {
      created_at: room.created_at,
      is_recording: room.recording_id === '' ? '0' : '1',
      lobby: Object.fromEntries(room.lobby),
      meeting_id: room.meeting_id,
      participant_count: String(room.participants.size),
      participant_state: Object.fromEntries(room.participants),
      participants: joinOrder(room),
      recording_id: room.recording_id,
      settings: settings.get(meetingId) ?? {},
      sfu_node_id: room.sfu_node_id,
      status: room.status,
      updated_at: room.updated_at,
      version: String(room.version),
    };
  }
  if (jobs.length > 0) dump['queue:notifications'] = jobs;
  return dump;
}

/** A dumpRedis() result with the JSON inside parsed, so that key order inside it does not matter. */
export function parseRoomCacheDump(dump: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(dump).map(([key, value]) => {
      if (key.startsWith('room:')) {
        const hash = value as Record<string, string>;
        const json = (field: string) => JSON.parse(hash[field] ?? 'null') as unknown;
        return [
          key,
          {
            ...hash,
            participants: json('participants'),
            participant_state: json('participant_state'),
            lobby: json('lobby'),
            settings: json('settings'),
          },
        ];
      }
      if (key.startsWith('room-settings:')) return [key, JSON.parse(value as string)];
      if (key === 'queue:notifications') return [key, (value as string[]).map((job) => JSON.parse(job))];
      return [key, value];
    }),
  );
}
