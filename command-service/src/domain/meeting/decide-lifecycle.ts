import type { EventData, MeetingSettings } from '@meetings/events';
import { AlreadyExists, BusinessRuleViolation } from '../errors.js';
import type { CancelMeeting, EndMeeting, ScheduleMeeting, StartMeeting, UpdateMeeting } from './commands.js';
import { requirePasscodeIfNeeded } from './decide-access.js';
import { lobbyLeaves } from './decide-entry.js';
import { requireHost, requireStatus, requireValidSchedule } from './rules.js';
import type { Meeting, MeetingEvent, MeetingState } from './state.js';
import { meetingExists } from './state.js';

export const DEFAULT_MAX_PARTICIPANTS = 100;
/** Secure by default: only invitees (and hosts) enter a meeting unless its host opens it. */
export const DEFAULT_SETTINGS = {
  muteOnJoin: false,
  allowChat: true,
  access: 'invited',
  lobby: false,
} as const satisfies MeetingSettings;

export function scheduleMeeting(command: ScheduleMeeting, state: MeetingState): MeetingEvent[] {
  if (meetingExists(state))
    throw new AlreadyExists('meeting-exists', 'A meeting with this id already exists.');
  const { meetingId, title, scheduledStartAt, settings } = command.data;
  const scheduledEndAt = command.data.scheduledEndAt ?? null;
  const passcodeVersion = command.data.passcodeVersion ?? null;
  requireValidSchedule(scheduledStartAt, scheduledEndAt);
  const access = settings?.access ?? DEFAULT_SETTINGS.access;
  requirePasscodeIfNeeded(access, passcodeVersion);
  return [
    {
      type: 'MeetingScheduled',
      data: {
        meetingId,
        hostId: command.actorId,
        title,
        description: command.data.description ?? null,
        scheduledStartAt,
        scheduledEndAt,
        maxParticipants: command.data.maxParticipants ?? DEFAULT_MAX_PARTICIPANTS,
        // Field by field: a partial body may carry explicit undefineds a spread would copy.
        settings: {
          muteOnJoin: settings?.muteOnJoin ?? DEFAULT_SETTINGS.muteOnJoin,
          allowChat: settings?.allowChat ?? DEFAULT_SETTINGS.allowChat,
          access,
          lobby: settings?.lobby ?? DEFAULT_SETTINGS.lobby,
        },
        passcodeVersion,
      },
    },
  ];
}

/**
 * Emits only the fields that actually change, and nothing when none does, so that a retried or
 * repeated update is harmless and subscribers never see empty changes.
 */
export function updateMeeting(command: UpdateMeeting, meeting: Meeting): MeetingEvent[] {
  requireHost(meeting, command.actorId);
  requireStatus(meeting, ['scheduled', 'started']);
  const { meetingId, title, description, scheduledStartAt, scheduledEndAt, maxParticipants } = command.data;

  if (maxParticipants !== undefined && maxParticipants < meeting.participants.size) {
    throw new BusinessRuleViolation(
      'max-participants-too-low',
      `The meeting already has ${meeting.participants.size} participants; the limit cannot be lower.`,
    );
  }
  requireValidSchedule(
    scheduledStartAt ?? meeting.scheduledStartAt,
    scheduledEndAt === undefined ? meeting.scheduledEndAt : scheduledEndAt,
  );

  const changes: EventData<'MeetingUpdated'> = { meetingId };
  if (title !== undefined && title !== meeting.title) changes.title = title;
  if (description !== undefined && description !== meeting.description) changes.description = description;
  if (scheduledStartAt !== undefined && scheduledStartAt !== meeting.scheduledStartAt) {
    changes.scheduledStartAt = scheduledStartAt;
  }
  if (scheduledEndAt !== undefined && scheduledEndAt !== meeting.scheduledEndAt) {
    changes.scheduledEndAt = scheduledEndAt;
  }
  if (maxParticipants !== undefined && maxParticipants !== meeting.maxParticipants) {
    changes.maxParticipants = maxParticipants;
  }
  return Object.keys(changes).length > 1 ? [{ type: 'MeetingUpdated', data: changes }] : [];
}

export function startMeeting(command: StartMeeting, meeting: Meeting): MeetingEvent[] {
  requireHost(meeting, command.actorId);
  requireStatus(meeting, ['scheduled']);
  return [
    { type: 'MeetingStarted', data: { meetingId: command.data.meetingId, startedBy: command.actorId } },
  ];
}

/**
 * Everyone still present (or waiting in the lobby) leaves and an active recording stops before MeetingEnded, so each fact
 * is an event of its own and subscribers need no knowledge of what ending implies.
 */
export function endMeeting(command: EndMeeting, meeting: Meeting): MeetingEvent[] {
  requireHost(meeting, command.actorId);
  requireStatus(meeting, ['started']);
  const { meetingId } = command.data;
  const events: MeetingEvent[] = [...everyoneLeaves(meeting, meetingId), ...lobbyLeaves(meeting)];
  if (meeting.activeRecordingId !== null) {
    events.push({
      type: 'RecordingStopped',
      data: { meetingId, recordingId: meeting.activeRecordingId, stoppedBy: command.actorId },
    });
  }
  events.push({ type: 'MeetingEnded', data: { meetingId, endedBy: command.actorId } });
  return events;
}

/**
 * Participants may wait in a scheduled meeting, so cancelling it lets them leave first, for the
 * same reason as ending does (the event has no "cancelled" reason; the meeting is over either way).
 */
export function cancelMeeting(command: CancelMeeting, meeting: Meeting): MeetingEvent[] {
  requireHost(meeting, command.actorId);
  requireStatus(meeting, ['scheduled']);
  const { meetingId } = command.data;
  return [
    ...everyoneLeaves(meeting, meetingId),
    ...lobbyLeaves(meeting),
    {
      type: 'MeetingCancelled',
      data: { meetingId, cancelledBy: command.actorId, reason: command.data.reason ?? null },
    },
  ];
}

function everyoneLeaves(meeting: Meeting, meetingId: string): MeetingEvent[] {
  return [...meeting.participants.keys()].map((userId) => ({
    type: 'ParticipantLeft',
    data: { meetingId, userId, reason: 'meeting_ended' },
  }));
}
