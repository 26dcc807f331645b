import type { DomainEventOf, MeetingSettings, ParticipantRole, meetingEventSchemas } from '@meetings/events';

export type MeetingEventType = keyof typeof meetingEventSchemas;
/** The events of a `meeting-<meetingId>` stream. */
export type MeetingEvent = DomainEventOf<MeetingEventType>;

export type MeetingStatus = 'scheduled' | 'started' | 'ended' | 'cancelled';
/** `recording` and `stopped` await finalization; `completed` and `failed` are final. */
export type RecordingStatus = 'recording' | 'stopped' | 'completed' | 'failed';

export interface ParticipantState {
  readonly role: ParticipantRole;
  readonly isMuted: boolean;
  readonly isVideoOn: boolean;
}

/** Before MeetingScheduled: the stream does not exist. */
export interface NoMeeting {
  readonly status: 'none';
}

export interface Meeting {
  readonly status: MeetingStatus;
  readonly meetingId: string;
  /** The creator: always a host, never demoted or removed. */
  readonly hostId: string;
  /**
   * Everyone ever made host (the creator included) minus those demoted since. Kept outside
   * `participants` so that a promoted host who leaves is a host again on rejoin; a promoted host
   * only has host powers while present (see `isHost`).
   */
  readonly hosts: ReadonlySet<string>;
  /** Present participants only, in join order (which is the order ending the meeting lists them). */
  readonly participants: ReadonlyMap<string, ParticipantState>;
  readonly title: string;
  readonly description: string | null;
  readonly scheduledStartAt: string;
  readonly scheduledEndAt: string | null;
  readonly maxParticipants: number;
  readonly settings: Readonly<MeetingSettings>;
  /** The current passcode's version (its hash lives in `passcode-<meetingId>`); null: none set. */
  readonly passcodeVersion: number | null;
  /** Users invited and not revoked since: they may enter an `invited` or `passcode` meeting. */
  readonly invitees: ReadonlySet<string>;
  /** Users waiting in the lobby, in arrival order. */
  readonly waiting: ReadonlySet<string>;
  /** Users removed with a ban not lifted since. */
  readonly banned: ReadonlySet<string>;
  /** The recording in progress; at most one at a time. */
  readonly activeRecordingId: string | null;
  /** Every recording of the meeting, so that a stopped one can be finalized exactly once. */
  readonly recordings: ReadonlyMap<string, RecordingStatus>;
  /** The SFU node carrying the meeting's media since it was placed; null before. */
  readonly sfuNodeId: string | null;
  /** Documents attached and not removed, by id. */
  readonly documents: ReadonlyMap<string, DocumentState>;
  /**
   * Every object key a document of the meeting ever had, removed ones included: a key is never
   * given twice, so an upload can never land on an object another document still (or just) used.
   */
  readonly documentKeys: ReadonlySet<string>;
}

export interface DocumentState {
  readonly storageKey: string;
  readonly uploadedBy: string;
}

export type MeetingState = NoMeeting | Meeting;

export const initialMeetingState = (): MeetingState => ({ status: 'none' });

export const meetingExists = (state: MeetingState): state is Meeting => state.status !== 'none';
