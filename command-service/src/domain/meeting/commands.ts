import type {
  CancelMeetingBody,
  ChangeRoleBody,
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

export type ScheduleMeeting = DomainCommand<'ScheduleMeeting', OfMeeting & ScheduleMeetingBody>;
export type UpdateMeeting = DomainCommand<'UpdateMeeting', OfMeeting & UpdateMeetingBody>;
export type StartMeeting = DomainCommand<'StartMeeting', OfMeeting>;
export type EndMeeting = DomainCommand<'EndMeeting', OfMeeting>;
export type CancelMeeting = DomainCommand<'CancelMeeting', OfMeeting & CancelMeetingBody>;
/** The actor joins or leaves: there is no target. */
export type JoinMeeting = DomainCommand<'JoinMeeting', OfMeeting>;
export type LeaveMeeting = DomainCommand<'LeaveMeeting', OfMeeting>;
export type RemoveParticipant = DomainCommand<'RemoveParticipant', OfParticipant & RemoveParticipantBody>;
export type MuteParticipant = DomainCommand<'MuteParticipant', OfParticipant>;
export type UnmuteParticipant = DomainCommand<'UnmuteParticipant', OfParticipant>;
export type TurnVideoOn = DomainCommand<'TurnVideoOn', OfParticipant>;
export type TurnVideoOff = DomainCommand<'TurnVideoOff', OfParticipant>;
export type ChangeParticipantRole = DomainCommand<'ChangeParticipantRole', OfParticipant & ChangeRoleBody>;
export type StartRecording = DomainCommand<'StartRecording', OfRecording>;
export type StopRecording = DomainCommand<'StopRecording', OfRecording>;
export type CompleteRecording = DomainCommand<'CompleteRecording', OfRecording & CompleteRecordingBody>;
export type FailRecording = DomainCommand<'FailRecording', OfRecording & FailRecordingBody>;
export type SendChatMessage = DomainCommand<
  'SendChatMessage',
  OfMeeting & { messageId: string } & SendChatMessageBody
>;

export type MeetingCommand =
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
  | StartRecording
  | StopRecording
  | CompleteRecording
  | FailRecording
  | SendChatMessage;

export type MeetingCommandType = MeetingCommand['type'];
