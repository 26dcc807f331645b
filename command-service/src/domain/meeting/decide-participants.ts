import { BusinessRuleViolation, NotPermitted } from '../errors.js';
import type {
  ChangeParticipantRole,
  MuteParticipant,
  RemoveParticipant,
  SendChatMessage,
  TurnVideoOff,
  TurnVideoOn,
  UnmuteParticipant,
} from './commands.js';
import { requireActorPresent, requireHost, requirePresent, requireStatus } from './rules.js';
import type { Meeting, MeetingEvent } from './state.js';

/** With `ban`, the user also may not come back (join, wait or be invited) until a host lifts the ban. */
export function removeParticipant(command: RemoveParticipant, meeting: Meeting): MeetingEvent[] {
  const { actorId } = command;
  const { meetingId, userId } = command.data;
  requireHost(meeting, actorId);
  if (userId === actorId) {
    throw new BusinessRuleViolation(
      'cannot-remove-self',
      'You cannot remove yourself; leave the meeting instead.',
    );
  }
  if (userId === meeting.hostId) {
    throw new BusinessRuleViolation('cannot-remove-creator', 'The creator of the meeting cannot be removed.');
  }
  requirePresent(meeting, userId);
  return [
    {
      type: 'ParticipantRemoved',
      data: {
        meetingId,
        userId,
        removedBy: actorId,
        reason: command.data.reason ?? null,
        banned: command.data.ban ?? false,
      },
    },
  ];
}

/** Setting the role a participant already has changes nothing and emits nothing. */
export function changeParticipantRole(command: ChangeParticipantRole, meeting: Meeting): MeetingEvent[] {
  const { meetingId, userId, role } = command.data;
  requireHost(meeting, command.actorId);
  if (userId === meeting.hostId && role !== 'host') {
    throw new BusinessRuleViolation(
      'cannot-demote-creator',
      'The creator of the meeting always stays a host.',
    );
  }
  const participant = requirePresent(meeting, userId);
  if (participant.role === role) return [];
  return [{ type: 'ParticipantRoleChanged', data: { meetingId, userId, role, changedBy: command.actorId } }];
}

/** Anyone may mute themselves and a host anyone; repeating it is a no-op, so retries are safe. */
export function muteParticipant(command: MuteParticipant, meeting: Meeting): MeetingEvent[] {
  const { meetingId, userId } = command.data;
  if (userId !== command.actorId) requireHost(meeting, command.actorId);
  if (requirePresent(meeting, userId).isMuted) return [];
  return [{ type: 'ParticipantMuted', data: { meetingId, userId, mutedBy: command.actorId } }];
}

/** Turning someone's microphone on is a privacy matter: nobody, not even a host, may do it for them. */
export function unmuteParticipant(command: UnmuteParticipant, meeting: Meeting): MeetingEvent[] {
  const { meetingId, userId } = command.data;
  if (userId !== command.actorId) {
    throw new NotPermitted('cannot-unmute-others', 'Participants can only unmute themselves.');
  }
  if (!requirePresent(meeting, userId).isMuted) return [];
  return [{ type: 'ParticipantUnmuted', data: { meetingId, userId } }];
}

/** The camera, like the microphone, is only ever turned on by its owner. */
export function turnVideoOn(command: TurnVideoOn, meeting: Meeting): MeetingEvent[] {
  const { meetingId, userId } = command.data;
  if (userId !== command.actorId) {
    throw new NotPermitted('cannot-turn-on-others-video', 'Participants can only turn their own video on.');
  }
  if (requirePresent(meeting, userId).isVideoOn) return [];
  return [{ type: 'ParticipantVideoTurnedOn', data: { meetingId, userId } }];
}

export function turnVideoOff(command: TurnVideoOff, meeting: Meeting): MeetingEvent[] {
  const { meetingId, userId } = command.data;
  if (userId !== command.actorId) requireHost(meeting, command.actorId);
  if (!requirePresent(meeting, userId).isVideoOn) return [];
  return [{ type: 'ParticipantVideoTurnedOff', data: { meetingId, userId, turnedOffBy: command.actorId } }];
}

/** Chat belongs to the live meeting: its sender and any direct recipient must be in it. */
export function sendChatMessage(command: SendChatMessage, meeting: Meeting): MeetingEvent[] {
  const { meetingId, messageId, text } = command.data;
  requireStatus(meeting, ['started']);
  requireActorPresent(meeting, command.actorId);
  if (!meeting.settings.allowChat) {
    throw new BusinessRuleViolation('chat-disabled', 'Chat is disabled in this meeting.');
  }
  const recipientId = command.data.recipientId ?? null;
  if (recipientId !== null && !meeting.participants.has(recipientId)) {
    throw new BusinessRuleViolation('recipient-not-present', 'The recipient is not in the meeting.');
  }
  return [
    { type: 'ChatMessageSent', data: { meetingId, messageId, senderId: command.actorId, recipientId, text } },
  ];
}
