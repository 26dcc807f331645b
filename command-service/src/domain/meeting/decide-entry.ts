import { BusinessRuleViolation, NotPermitted, WrongPasscode } from '../errors.js';
import type { AdmitParticipant, DenyParticipant, JoinMeeting, LeaveMeeting } from './commands.js';
import { requireHost } from './rules.js';
import type { Meeting, MeetingEvent } from './state.js';

/*
 * Who enters a meeting, and how: straight in, or through the lobby. Hosts (the creator and anyone
 * ever promoted, see `Meeting.hosts`) always enter, straight in; everyone else must be let in by
 * the meeting's access mode and, when the lobby is on, by a host.
 */

/**
 * Joining is open before the start and during the meeting. A user who left or was removed may join
 * again unless the removal was a ban. Promoted hosts come back as hosts.
 */
export function joinMeeting(command: JoinMeeting, meeting: Meeting): MeetingEvent[] {
  const { actorId } = command;
  if (meeting.status === 'ended' || meeting.status === 'cancelled') {
    throw new BusinessRuleViolation(
      'meeting-not-joinable',
      'This meeting is over and can no longer be joined.',
    );
  }
  if (meeting.participants.has(actorId)) {
    throw new BusinessRuleViolation('already-in-meeting', 'You are already in this meeting.');
  }
  const host = meeting.hosts.has(actorId);
  if (!host) {
    if (meeting.banned.has(actorId)) throw new NotPermitted('banned', 'You are banned from this meeting.');
    requireAccess(command, meeting);
    if (meeting.waiting.has(actorId)) {
      throw new BusinessRuleViolation('already-in-lobby', 'You are already waiting in the lobby.');
    }
    // Capacity is checked when a host admits: the lobby itself has no limit.
    if (meeting.settings.lobby) {
      return [{ type: 'ParticipantWaiting', data: { meetingId: meeting.meetingId, userId: actorId } }];
    }
  }
  requireSeat(meeting);
  return [joined(meeting, actorId)];
}

/** Hosts never get here. Invitees need no passcode; a wrong passcode is refused apart, for clients. */
function requireAccess(command: JoinMeeting, meeting: Meeting): void {
  const { access } = meeting.settings;
  if (access === 'open' || meeting.invitees.has(command.actorId)) return;
  if (access === 'invited') {
    throw new NotPermitted('not-invited', 'Only invited users can join this meeting.');
  }
  const { passcode } = command.data;
  if (!passcode) {
    throw new NotPermitted('passcode-required', 'This meeting needs a passcode to join.');
  }
  if (meeting.passcodeVersion === null || passcode.matchedVersion !== meeting.passcodeVersion) {
    throw new WrongPasscode();
  }
}

function requireSeat(meeting: Meeting): void {
  if (meeting.participants.size >= meeting.maxParticipants) {
    throw new BusinessRuleViolation('meeting-full', 'The meeting is full.');
  }
}

function joined(meeting: Meeting, userId: string): MeetingEvent {
  return {
    type: 'ParticipantJoined',
    data: {
      meetingId: meeting.meetingId,
      userId,
      role: meeting.hosts.has(userId) ? 'host' : 'participant',
      isMuted: meeting.settings.muteOnJoin,
      isVideoOn: true,
    },
  };
}

/** Leaving the meeting, or the lobby for one still waiting there. */
export function leaveMeeting(command: LeaveMeeting, meeting: Meeting): MeetingEvent[] {
  const { actorId } = command;
  const { meetingId } = meeting;
  if (meeting.participants.has(actorId)) {
    return [{ type: 'ParticipantLeft', data: { meetingId, userId: actorId, reason: 'left' } }];
  }
  if (meeting.waiting.has(actorId)) {
    return [{ type: 'ParticipantLeftLobby', data: { meetingId, userId: actorId, reason: 'left' } }];
  }
  throw new BusinessRuleViolation('not-in-meeting', 'You are not in this meeting.');
}

export function admitParticipant(command: AdmitParticipant, meeting: Meeting): MeetingEvent[] {
  const { userId } = command.data;
  requireHost(meeting, command.actorId);
  requireWaiting(meeting, userId);
  requireSeat(meeting);
  return admitted(meeting, userId, command.actorId);
}

export function denyParticipant(command: DenyParticipant, meeting: Meeting): MeetingEvent[] {
  const { userId } = command.data;
  requireHost(meeting, command.actorId);
  requireWaiting(meeting, userId);
  return [
    { type: 'ParticipantDenied', data: { meetingId: meeting.meetingId, userId, deniedBy: command.actorId } },
  ];
}

function requireWaiting(meeting: Meeting, userId: string): void {
  if (!meeting.waiting.has(userId)) {
    throw new BusinessRuleViolation('not-in-lobby', 'That user is not waiting in the lobby.');
  }
}

function admitted(meeting: Meeting, userId: string, admittedBy: string): MeetingEvent[] {
  return [
    { type: 'ParticipantAdmitted', data: { meetingId: meeting.meetingId, userId, admittedBy } },
    joined(meeting, userId),
  ];
}

/**
 * Turning the lobby off lets those waiting in, in arrival order, while seats remain; whoever does
 * not fit keeps waiting, for a host to admit once a seat frees up, or to deny.
 */
export function admitWaiting(meeting: Meeting, admittedBy: string): MeetingEvent[] {
  const seats = meeting.maxParticipants - meeting.participants.size;
  return [...meeting.waiting]
    .slice(0, Math.max(seats, 0))
    .flatMap((userId) => admitted(meeting, userId, admittedBy));
}

/** When the meeting ends or is cancelled, the lobby empties too, each as an event of its own. */
export function lobbyLeaves(meeting: Meeting): MeetingEvent[] {
  return [...meeting.waiting].map((userId) => ({
    type: 'ParticipantLeftLobby',
    data: { meetingId: meeting.meetingId, userId, reason: 'meeting_ended' },
  }));
}
