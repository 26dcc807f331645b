import type { Meeting, MeetingEvent, MeetingState, ParticipantState, RecordingStatus } from './state.js';
import { meetingExists } from './state.js';

/**
 * Applies one event, returning a new state and never touching the old one (states are shared
 * with callers and snapshots). Events are facts already decided, so evolve validates nothing; an
 * event arriving before MeetingScheduled cannot be applied to anything and is ignored.
 */
export function evolve(state: MeetingState, event: MeetingEvent): MeetingState {
  if (event.type === 'MeetingScheduled') {
    const {
      meetingId,
      hostId,
      title,
      description,
      scheduledStartAt,
      scheduledEndAt,
      maxParticipants,
      settings,
      passcodeVersion,
    } = event.data;
    return {
      status: 'scheduled',
      meetingId,
      hostId,
      hosts: new Set([hostId]),
      participants: new Map(),
      title,
      description,
      scheduledStartAt,
      scheduledEndAt,
      maxParticipants,
      settings: { ...settings },
      passcodeVersion,
      invitees: new Set(),
      waiting: new Set(),
      banned: new Set(),
      activeRecordingId: null,
      recordings: new Map(),
      sfuNodeId: null,
      documents: new Map(),
      documentKeys: new Set(),
    };
  }
  if (!meetingExists(state)) return state;
  return evolveMeeting(state, event);
}

function evolveMeeting(meeting: Meeting, event: MeetingEvent): Meeting {
  switch (event.type) {
    case 'MeetingScheduled':
      return meeting; // handled by evolve; a second one cannot be decided
    case 'MeetingUpdated': {
      const { title, description, scheduledStartAt, scheduledEndAt, maxParticipants } = event.data;
      // Absent fields did not change; `null` is a value (a cleared description or end time).
      return {
        ...meeting,
        ...(title !== undefined && { title }),
        ...(description !== undefined && { description }),
        ...(scheduledStartAt !== undefined && { scheduledStartAt }),
        ...(scheduledEndAt !== undefined && { scheduledEndAt }),
        ...(maxParticipants !== undefined && { maxParticipants }),
      };
    }
    case 'MeetingStarted':
      return { ...meeting, status: 'started' };
    case 'MeetingEnded':
      // Decide emits the leaves and the stop first; clearing again keeps older histories sound.
      return {
        ...meeting,
        status: 'ended',
        participants: new Map(),
        waiting: new Set(),
        activeRecordingId: null,
      };
    case 'MeetingCancelled':
      return { ...meeting, status: 'cancelled', participants: new Map(), waiting: new Set() };
    case 'MeetingPlacedOnSfuNode':
      return { ...meeting, sfuNodeId: event.data.sfuNodeId };
    case 'MeetingSettingsChanged': {
      // Absent fields did not change.
      const { muteOnJoin, allowChat, access, lobby, passcodeVersion } = event.data;
      const { settings } = meeting;
      return {
        ...meeting,
        settings: {
          muteOnJoin: muteOnJoin ?? settings.muteOnJoin,
          allowChat: allowChat ?? settings.allowChat,
          access: access ?? settings.access,
          lobby: lobby ?? settings.lobby,
        },
        passcodeVersion: passcodeVersion ?? meeting.passcodeVersion,
      };
    }
    case 'ParticipantInvited':
      return { ...meeting, invitees: withMember(meeting.invitees, event.data.userId) };
    case 'InvitationRevoked':
      return { ...meeting, invitees: withoutMember(meeting.invitees, event.data.userId) };
    case 'ParticipantWaiting':
      return { ...meeting, waiting: withMember(meeting.waiting, event.data.userId) };
    case 'ParticipantAdmitted':
    case 'ParticipantDenied':
    case 'ParticipantLeftLobby':
      return { ...meeting, waiting: withoutMember(meeting.waiting, event.data.userId) };
    case 'BanLifted':
      return { ...meeting, banned: withoutMember(meeting.banned, event.data.userId) };
    case 'ParticipantJoined': {
      const { userId, role, isMuted, isVideoOn } = event.data;
      const hosts = role === 'host' ? withMember(meeting.hosts, userId) : meeting.hosts;
      return {
        ...meeting,
        hosts,
        participants: withEntry(meeting.participants, userId, { role, isMuted, isVideoOn }),
      };
    }
    case 'ParticipantLeft':
      // `hosts` is kept on purpose: a promoted host who comes back is a host again.
      return { ...meeting, participants: withoutEntry(meeting.participants, event.data.userId) };
    case 'ParticipantRemoved': {
      const { userId, banned } = event.data;
      return {
        ...meeting,
        participants: withoutEntry(meeting.participants, userId),
        banned: banned ? withMember(meeting.banned, userId) : meeting.banned,
      };
    }
    case 'ParticipantMuted':
      return updateParticipant(meeting, event.data.userId, { isMuted: true });
    case 'ParticipantUnmuted':
      return updateParticipant(meeting, event.data.userId, { isMuted: false });
    case 'ParticipantVideoTurnedOn':
      return updateParticipant(meeting, event.data.userId, { isVideoOn: true });
    case 'ParticipantVideoTurnedOff':
      return updateParticipant(meeting, event.data.userId, { isVideoOn: false });
    case 'ParticipantRoleChanged': {
      const { userId, role } = event.data;
      const hosts =
        role === 'host' ? withMember(meeting.hosts, userId) : withoutMember(meeting.hosts, userId);
      return { ...updateParticipant(meeting, userId, { role }), hosts };
    }
    case 'RecordingStarted':
      return {
        ...meeting,
        activeRecordingId: event.data.recordingId,
        recordings: withRecording(meeting, event.data.recordingId, 'recording'),
      };
    case 'RecordingStopped':
      return {
        ...meeting,
        activeRecordingId: clearIfActive(meeting, event.data.recordingId),
        recordings: withRecording(meeting, event.data.recordingId, 'stopped'),
      };
    case 'RecordingCompleted':
      return { ...meeting, recordings: withRecording(meeting, event.data.recordingId, 'completed') };
    case 'RecordingFailed':
      // Failing a running recording also ends it (decide emits no separate RecordingStopped).
      return {
        ...meeting,
        activeRecordingId: clearIfActive(meeting, event.data.recordingId),
        recordings: withRecording(meeting, event.data.recordingId, 'failed'),
      };
    case 'ChatMessageSent':
      return meeting; // no rule depends on past messages
    case 'MeetingDocumentAttached': {
      const { documentId, storageKey, uploadedBy } = event.data;
      const documentKeys = new Set(meeting.documentKeys).add(storageKey);
      return {
        ...meeting,
        documents: withEntry(meeting.documents, documentId, { storageKey, uploadedBy }),
        documentKeys,
      };
    }
    case 'MeetingDocumentRemoved': {
      return { ...meeting, documents: withoutEntry(meeting.documents, event.data.documentId) };
    }
  }
}

function updateParticipant(meeting: Meeting, userId: string, change: Partial<ParticipantState>): Meeting {
  const participant = meeting.participants.get(userId);
  if (!participant) return meeting;
  return { ...meeting, participants: withEntry(meeting.participants, userId, { ...participant, ...change }) };
}

function clearIfActive(meeting: Meeting, recordingId: string): string | null {
  return meeting.activeRecordingId === recordingId ? null : meeting.activeRecordingId;
}

function withRecording(meeting: Meeting, recordingId: string, status: RecordingStatus) {
  return withEntry(meeting.recordings, recordingId, status);
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  return new Map(map).set(key, value);
}

function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map;
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}

function withMember<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  return set.has(value) ? set : new Set(set).add(value);
}

function withoutMember<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  if (!set.has(value)) return set;
  const copy = new Set(set);
  copy.delete(value);
  return copy;
}
