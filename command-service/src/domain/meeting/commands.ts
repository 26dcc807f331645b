import type {
  CancelMeetingBody,
  ChangeRoleBody,
  ChangeSettingsBody,
  CompleteRecordingBody,
  FailRecordingBody,
  RemoveParticipantBody,
  ScheduleMeetingBody,
  SendChatMessageBody,
  UpdateMeetingBody,
} from '@meetings/events';
import type { DomainCommand } from '../decider.js';

/** Every meeting command names its meeting; ids of new things (recordings, messages) come from the caller. */
interface OfMeeting {
  meetingId: string;
}
/** Commands about one participant: `userId` is the target, `actorId` the one asking. */
interface OfParticipant extends OfMeeting {
  userId: string;
}
interface OfRecording extends OfMeeting {
  recordingId: string;
}

/**
 * A passcode never reaches a decider: the application layer stores its hash in `passcode-<meetingId>`
 * and passes the version it got there (absent: no new passcode).
 */
interface WithPasscodeVersion {
  passcodeVersion?: number;
}
type SettingsData = Omit<ChangeSettingsBody, 'passcode'> & WithPasscodeVersion;

/**
 * What the application layer found checking a passcode given to join: the version of the meeting's
 * passcode it matched, or null when it matched none.
 */
export interface PasscodeCheck {
  matchedVersion: number | null;
}

export type ScheduleMeeting = DomainCommand<
  'ScheduleMeeting',
  OfMeeting & Omit<ScheduleMeetingBody, 'settings'> & { settings?: SettingsData } & WithPasscodeVersion
>;
export type UpdateMeeting = DomainCommand<'UpdateMeeting', OfMeeting & UpdateMeetingBody>;
export type StartMeeting = DomainCommand<'StartMeeting', OfMeeting>;
export type EndMeeting = DomainCommand<'EndMeeting', OfMeeting>;
export type CancelMeeting = DomainCommand<'CancelMeeting', OfMeeting & CancelMeetingBody>;
/** The actor joins or leaves: there is no target. `passcode` only when the actor gave one. */
export type JoinMeeting = DomainCommand<'JoinMeeting', OfMeeting & { passcode?: PasscodeCheck }>;
export type LeaveMeeting = DomainCommand<'LeaveMeeting', OfMeeting>;
export type RemoveParticipant = DomainCommand<'RemoveParticipant', OfParticipant & RemoveParticipantBody>;
export type MuteParticipant = DomainCommand<'MuteParticipant', OfParticipant>;
export type UnmuteParticipant = DomainCommand<'UnmuteParticipant', OfParticipant>;
export type TurnVideoOn = DomainCommand<'TurnVideoOn', OfParticipant>;
export type TurnVideoOff = DomainCommand<'TurnVideoOff', OfParticipant>;
export type ChangeParticipantRole = DomainCommand<'ChangeParticipantRole', OfParticipant & ChangeRoleBody>;
export type ChangeMeetingSettings = DomainCommand<'ChangeMeetingSettings', OfMeeting & SettingsData>;
export type InviteParticipant = DomainCommand<'InviteParticipant', OfParticipant>;
export type RevokeInvitation = DomainCommand<'RevokeInvitation', OfParticipant>;
export type AdmitParticipant = DomainCommand<'AdmitParticipant', OfParticipant>;
export type DenyParticipant = DomainCommand<'DenyParticipant', OfParticipant>;
export type LiftBan = DomainCommand<'LiftBan', OfParticipant>;
export type StartRecording = DomainCommand<'StartRecording', OfRecording>;
export type StopRecording = DomainCommand<'StopRecording', OfRecording>;
export type CompleteRecording = DomainCommand<'CompleteRecording', OfRecording & CompleteRecordingBody>;
export type FailRecording = DomainCommand<'FailRecording', OfRecording & FailRecordingBody>;
/**
 * An SFU node places the started meeting on a node (itself or another): `actorId` is the node's
 * service identity (`sfu:<nodeId>`), never a user. No HTTP route issues it.
 */
export type PlaceMeetingOnSfuNode = DomainCommand<
  'PlaceMeetingOnSfuNode',
  OfMeeting & { sfuNodeId: string; reason: 'meeting_started' | 'node_lost' }
>;
export type SendChatMessage = DomainCommand<
  'SendChatMessage',
  OfMeeting & { messageId: string } & SendChatMessageBody
>;

/**
 * A file the application layer already uploaded to `temp/uploads/` attaches to the meeting: the
 * decider checks who may and picks the object key it is copied to. `documentId` from the caller.
 */
export type AttachDocument = DomainCommand<
  'AttachDocument',
  OfMeeting & { documentId: string; name: string; sizeBytes: number; contentType: string }
>;
/**
 * `removed`: a host removes a document. `upload_failed`: the service takes back, for the uploader,
 * a document whose object could not be put in place after it was attached.
 */
export type RemoveDocument = DomainCommand<
  'RemoveDocument',
  OfMeeting & { documentId: string; reason: 'removed' | 'upload_failed' }
>;

export type MeetingCommand =
  | AttachDocument
  | RemoveDocument
  | ScheduleMeeting
  | UpdateMeeting
  | StartMeeting
  | EndMeeting
  | CancelMeeting
  | JoinMeeting
  | LeaveMeeting
  | RemoveParticipant
  | MuteParticipant
  | UnmuteParticipant
  | TurnVideoOn
  | TurnVideoOff
  | ChangeParticipantRole
  | ChangeMeetingSettings
  | InviteParticipant
  | RevokeInvitation
  | AdmitParticipant
  | DenyParticipant
  | LiftBan
  | StartRecording
  | StopRecording
  | CompleteRecording
  | FailRecording
  | PlaceMeetingOnSfuNode
  | SendChatMessage;

export type MeetingCommandType = MeetingCommand['type'];
