import { AggregateNotFound, BusinessRuleViolation, NotPermitted } from '../errors.js';
import type { Meeting, MeetingState, MeetingStatus, ParticipantState } from './state.js';
import { meetingExists } from './state.js';

/** Guards shared by the meeting's decide functions; each throws the refusal its name promises. */

export function requireMeeting(state: MeetingState): Meeting {
  if (!meetingExists(state)) throw new AggregateNotFound('meeting-not-found', 'This meeting does not exist.');
  return state;
}

/**
 * The creator is a host whether present or not (someone has to be able to start an empty
 * meeting); a promoted host only while present, so a host who left cannot act from outside.
 */
export function isHost(meeting: Meeting, userId: string): boolean {
  return userId === meeting.hostId || (meeting.hosts.has(userId) && meeting.participants.has(userId));
}

export function requireHost(meeting: Meeting, actorId: string): void {
  if (!isHost(meeting, actorId))
    throw new NotPermitted('host-only', 'Only a host of the meeting can do this.');
}

/** What a meeting in a given status says to a command that status does not allow. */
const statusRefusals: Record<MeetingStatus, { rule: string; message: string }> = {
  scheduled: { rule: 'meeting-not-started', message: 'The meeting has not started yet.' },
  started: { rule: 'meeting-already-started', message: 'The meeting has already started.' },
  ended: { rule: 'meeting-already-ended', message: 'The meeting has already ended.' },
  cancelled: { rule: 'meeting-cancelled', message: 'The meeting has been cancelled.' },
};

export function requireStatus(meeting: Meeting, allowed: readonly MeetingStatus[]): void {
  if (allowed.includes(meeting.status)) return;
  const { rule, message } = statusRefusals[meeting.status];
  throw new BusinessRuleViolation(rule, message);
}

export function requirePresent(meeting: Meeting, userId: string): ParticipantState {
  const participant = meeting.participants.get(userId);
  if (!participant) {
    throw new BusinessRuleViolation('participant-not-present', 'That participant is not in the meeting.');
  }
  return participant;
}

/** For commands about the actor themselves, where "you" reads better than "that participant". */
export function requireActorPresent(meeting: Meeting, actorId: string): ParticipantState {
  const participant = meeting.participants.get(actorId);
  if (!participant) throw new BusinessRuleViolation('not-in-meeting', 'You are not in this meeting.');
  return participant;
}

/** An end time, when given, must come after the start; unparsable times are refused alike. */
export function requireValidSchedule(startAt: string, endAt: string | null): void {
  if (endAt === null) return;
  const start = Date.parse(startAt);
  const end = Date.parse(endAt);
  if (!(end > start)) {
    throw new BusinessRuleViolation('invalid-schedule', 'The meeting must end after it starts.');
  }
}

/** Settings change only by a host, and only while the meeting is still to come or running. */
export function requireMayChangeSettings(meeting: Meeting, actorId: string): void {
  requireHost(meeting, actorId);
  requireStatus(meeting, ['scheduled', 'started']);
}
