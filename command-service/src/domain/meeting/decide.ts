import type { MeetingCommand } from './commands.js';
import {
  cancelMeeting,
  endMeeting,
  scheduleMeeting,
  startMeeting,
  updateMeeting,
} from './decide-lifecycle.js';
import { changeMeetingSettings, inviteParticipant, liftBan, revokeInvitation } from './decide-access.js';
import { admitParticipant, denyParticipant, joinMeeting, leaveMeeting } from './decide-entry.js';
import {
  changeParticipantRole,
  muteParticipant,
  removeParticipant,
  sendChatMessage,
  turnVideoOff,
  turnVideoOn,
  unmuteParticipant,
} from './decide-participants.js';
import { completeRecording, failRecording, startRecording, stopRecording } from './decide-recording.js';
import { placeMeetingOnSfuNode } from './decide-placement.js';
import { attachDocument, removeDocument } from './decide-documents.js';
import { requireMeeting } from './rules.js';
import type { MeetingEvent, MeetingState } from './state.js';

/**
 * Scheduling is the only command a missing meeting accepts; every other one needs the meeting,
 * so existence is checked once here before any permission or state rule.
 */
export function decide(command: MeetingCommand, state: MeetingState): MeetingEvent[] {
  if (command.type === 'ScheduleMeeting') return scheduleMeeting(command, state);
  const meeting = requireMeeting(state);
  switch (command.type) {
    case 'UpdateMeeting':
      return updateMeeting(command, meeting);
    case 'StartMeeting':
      return startMeeting(command, meeting);
    case 'EndMeeting':
      return endMeeting(command, meeting);
    case 'CancelMeeting':
      return cancelMeeting(command, meeting);
    case 'JoinMeeting':
      return joinMeeting(command, meeting);
    case 'LeaveMeeting':
      return leaveMeeting(command, meeting);
    case 'RemoveParticipant':
      return removeParticipant(command, meeting);
    case 'MuteParticipant':
      return muteParticipant(command, meeting);
    case 'UnmuteParticipant':
      return unmuteParticipant(command, meeting);
    case 'TurnVideoOn':
      return turnVideoOn(command, meeting);
    case 'TurnVideoOff':
      return turnVideoOff(command, meeting);
    case 'ChangeParticipantRole':
      return changeParticipantRole(command, meeting);
    case 'ChangeMeetingSettings':
      return changeMeetingSettings(command, meeting);
    case 'InviteParticipant':
      return inviteParticipant(command, meeting);
    case 'RevokeInvitation':
      return revokeInvitation(command, meeting);
    case 'AdmitParticipant':
      return admitParticipant(command, meeting);
    case 'DenyParticipant':
      return denyParticipant(command, meeting);
    case 'LiftBan':
      return liftBan(command, meeting);
    case 'StartRecording':
      return startRecording(command, meeting);
    case 'StopRecording':
      return stopRecording(command, meeting);
    case 'CompleteRecording':
      return completeRecording(command, meeting);
    case 'FailRecording':
      return failRecording(command, meeting);
    case 'SendChatMessage':
      return sendChatMessage(command, meeting);
    case 'PlaceMeetingOnSfuNode':
      return placeMeetingOnSfuNode(command, meeting);
    case 'AttachDocument':
      return attachDocument(command, meeting);
    case 'RemoveDocument':
      return removeDocument(command, meeting);
    default:
      return unreachable(command);
  }
}

function unreachable(command: never): never {
  throw new Error(`unhandled meeting command ${JSON.stringify((command as { type?: unknown }).type)}`);
}
