import type { EventData, MeetingAccess, ParticipantRole } from '@meetings/events';
import type { MeetingCommand, MeetingCommandType } from '../meeting/commands.js';
import { meetingDecider } from '../meeting/decider.js';
import type { MeetingEvent, MeetingEventType } from '../meeting/state.js';
import { deciderSpec } from './decider-spec.js';

/** Fixed, valid v4 uuids so that decided events pass their schemas. */
export const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const MEETING = uuid(1);
export const CREATOR = uuid(2);
export const ALICE = uuid(3);
export const BOB = uuid(4);
export const CAROL = uuid(5);
export const REC_1 = uuid(10);
export const REC_2 = uuid(11);
export const MSG = uuid(20);

export const NOW = new Date('2030-01-01T08:00:00.000Z');
export const START_AT = '2030-01-01T09:00:00.000Z';
export const END_AT = '2030-01-01T10:00:00.000Z';

export const spec = deciderSpec(meetingDecider);

type CommandOf<T extends MeetingCommandType> = Extract<MeetingCommand, { type: T }>;

/** A command on MEETING, issued by the creator unless another actor is given. */
export function command<T extends MeetingCommandType>(
  type: T,
  data: Omit<CommandOf<T>['data'], 'meetingId'>,
  actorId: string = CREATOR,
): CommandOf<T> {
  return { type, data: { meetingId: MEETING, ...data }, actorId, now: NOW } as unknown as CommandOf<T>;
}

/** An event of MEETING. */
export function event<T extends MeetingEventType>(
  type: T,
  data: Omit<EventData<T>, 'meetingId'>,
): MeetingEvent {
  return { type, data: { meetingId: MEETING, ...data } } as MeetingEvent;
}

export const scheduled = (overrides: Partial<Omit<EventData<'MeetingScheduled'>, 'meetingId'>> = {}) =>
  event('MeetingScheduled', {
    hostId: CREATOR,
    title: 'Weekly sync',
    description: null,
    scheduledStartAt: START_AT,
    scheduledEndAt: END_AT,
    maxParticipants: 100,
    settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
    passcodeVersion: null,
    ...overrides,
  });
/** A meeting scheduled with an access mode, the lobby on or off, and a passcode version. */
export const scheduledWithAccess = (
  access: MeetingAccess,
  lobby = false,
  passcodeVersion: number | null = null,
  overrides: Partial<Omit<EventData<'MeetingScheduled'>, 'meetingId' | 'settings'>> = {},
) =>
  scheduled({
    settings: { muteOnJoin: false, allowChat: true, access, lobby },
    passcodeVersion,
    ...overrides,
  });
export const started = () => event('MeetingStarted', { startedBy: CREATOR });
export const ended = () => event('MeetingEnded', { endedBy: CREATOR });
export const cancelled = () => event('MeetingCancelled', { cancelledBy: CREATOR, reason: null });

export const joined = (
  userId: string,
  role: ParticipantRole = 'participant',
  isMuted = false,
  isVideoOn = true,
) => event('ParticipantJoined', { userId, role, isMuted, isVideoOn });
export const left = (userId: string) => event('ParticipantLeft', { userId, reason: 'left' });
export const removed = (userId: string) =>
  event('ParticipantRemoved', { userId, removedBy: CREATOR, reason: null, banned: false });
export const roleChanged = (userId: string, role: ParticipantRole) =>
  event('ParticipantRoleChanged', { userId, role, changedBy: CREATOR });
export const muted = (userId: string, mutedBy = userId) => event('ParticipantMuted', { userId, mutedBy });
export const videoOff = (userId: string, turnedOffBy = userId) =>
  event('ParticipantVideoTurnedOff', { userId, turnedOffBy });

export const RECORDING_FILE = {
  storageKey: 'recordings/weekly-sync.webm',
  sizeBytes: 1_048_576,
  durationSeconds: 1800,
  format: 'webm',
} as const;

export const recordingStarted = (recordingId: string) =>
  event('RecordingStarted', { recordingId, startedBy: CREATOR });
export const recordingStopped = (recordingId: string) =>
  event('RecordingStopped', { recordingId, stoppedBy: CREATOR });
export const recordingCompleted = (recordingId: string) =>
  event('RecordingCompleted', { recordingId, ...RECORDING_FILE });
export const recordingFailed = (recordingId: string) =>
  event('RecordingFailed', { recordingId, reason: 'disk full' });

/** A running meeting where ALICE and BOB are present as plain participants. */
export const runningWithAliceAndBob = (): MeetingEvent[] => [
  scheduled(),
  started(),
  joined(ALICE),
  joined(BOB),
];

/** Same, with ALICE promoted to host. */
export const runningWithAliceAsHost = (): MeetingEvent[] => [
  ...runningWithAliceAndBob(),
  roleChanged(ALICE, 'host'),
];
