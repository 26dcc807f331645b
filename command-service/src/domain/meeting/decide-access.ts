import type { EventData, MeetingSettings } from '@meetings/events';
import { BusinessRuleViolation } from '../errors.js';
import type { ChangeMeetingSettings, InviteParticipant, LiftBan, RevokeInvitation } from './commands.js';
import { admitWaiting } from './decide-entry.js';
import { requireHost, requireMayChangeSettings, requireStatus } from './rules.js';
import type { Meeting, MeetingEvent } from './state.js';

/** A passcode-only meeting must have a passcode, or nobody uninvited could ever enter. */
export function requirePasscodeIfNeeded(access: MeetingSettings['access'], passcodeVersion: number | null) {
  if (access === 'passcode' && passcodeVersion === null) {
    throw new BusinessRuleViolation('passcode-missing', 'A meeting that needs a passcode must be given one.');
  }
}

const SETTING_NAMES = ['muteOnJoin', 'allowChat', 'access', 'lobby'] as const;

/**
 * Emits only the settings that change (a new passcode always does: the application layer passes
 * a version only for a passcode other than the current one), nothing when none does. Turning the
 * lobby off lets those waiting in (see `admitWaiting`).
 */
export function changeMeetingSettings(command: ChangeMeetingSettings, meeting: Meeting): MeetingEvent[] {
  requireMayChangeSettings(meeting, command.actorId);
  const { meetingId, passcodeVersion } = command.data;
  requirePasscodeIfNeeded(
    command.data.access ?? meeting.settings.access,
    passcodeVersion ?? meeting.passcodeVersion,
  );
  const changes: EventData<'MeetingSettingsChanged'> = { meetingId, changedBy: command.actorId };
  for (const name of SETTING_NAMES) {
    const value = command.data[name];
    if (value !== undefined && value !== meeting.settings[name]) Object.assign(changes, { [name]: value });
  }
  if (passcodeVersion !== undefined && passcodeVersion !== meeting.passcodeVersion) {
    changes.passcodeVersion = passcodeVersion;
  }
  if (Object.keys(changes).length === 2) return [];
  const events: MeetingEvent[] = [{ type: 'MeetingSettingsChanged', data: changes }];
  if (changes.lobby === false) events.push(...admitWaiting(meeting, command.actorId));
  return events;
}

/**
 * Inviting someone already invited changes nothing. An invitation lets its holder see the meeting
 * and enter it whatever its access mode, unless banned; the lobby, when on, still holds them.
 */
export function inviteParticipant(command: InviteParticipant, meeting: Meeting): MeetingEvent[] {
  const { meetingId, userId } = command.data;
  requireHost(meeting, command.actorId);
  requireStatus(meeting, ['scheduled', 'started']);
  if (meeting.banned.has(userId)) {
    throw new BusinessRuleViolation(
      'user-banned',
      'That user is banned from this meeting; lift the ban first.',
    );
  }
  if (meeting.invitees.has(userId)) return [];
  return [{ type: 'ParticipantInvited', data: { meetingId, userId, invitedBy: command.actorId } }];
}

/**
 * Revoking a missing invitation changes nothing, so a repeated DELETE is harmless. One already in
 * the meeting stays; the revocation only closes the way in (and the meeting's visibility).
 */
export function revokeInvitation(command: RevokeInvitation, meeting: Meeting): MeetingEvent[] {
  const { meetingId, userId } = command.data;
  requireHost(meeting, command.actorId);
  if (!meeting.invitees.has(userId)) return [];
  return [{ type: 'InvitationRevoked', data: { meetingId, userId, revokedBy: command.actorId } }];
}

/** Lifting a ban that is not there changes nothing. The user may then join (or be invited) again. */
export function liftBan(command: LiftBan, meeting: Meeting): MeetingEvent[] {
  const { meetingId, userId } = command.data;
  requireHost(meeting, command.actorId);
  if (!meeting.banned.has(userId)) return [];
  return [{ type: 'BanLifted', data: { meetingId, userId, liftedBy: command.actorId } }];
}
