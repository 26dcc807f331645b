import { z } from 'zod';
import { Id, IsoDateTime } from '../common.js';

export const ParticipantRole = z.enum(['host', 'participant']);
export type ParticipantRole = z.infer<typeof ParticipantRole>;

export const MeetingSettings = z.object({
  muteOnJoin: z.boolean(),
  allowChat: z.boolean(),
});
export type MeetingSettings = z.infer<typeof MeetingSettings>;

export const meetingEventSchemas = {
  MeetingScheduled: z.object({
    meetingId: Id,
    hostId: Id,
    title: z.string(),
    description: z.string().nullable(),
    scheduledStartAt: IsoDateTime,
    scheduledEndAt: IsoDateTime.nullable(),
    maxParticipants: z.number().int().positive(),
    settings: MeetingSettings,
  }),
  MeetingUpdated: z.object({
    meetingId: Id,
    title: z.string().optional(),
    description: z.string().nullable().optional(),
    scheduledStartAt: IsoDateTime.optional(),
    scheduledEndAt: IsoDateTime.nullable().optional(),
    maxParticipants: z.number().int().positive().optional(),
  }),
  MeetingStarted: z.object({ meetingId: Id, startedBy: Id }),
  MeetingEnded: z.object({ meetingId: Id, endedBy: Id }),
  MeetingCancelled: z.object({ meetingId: Id, cancelledBy: Id, reason: z.string().nullable() }),
  /** v2: `role` replaced v1's `isHost` flag, and the initial audio/video state is explicit. */
  ParticipantJoined: z.object({
    meetingId: Id,
    userId: Id,
    role: ParticipantRole,
    isMuted: z.boolean(),
    isVideoOn: z.boolean(),
  }),
  ParticipantLeft: z.object({ meetingId: Id, userId: Id, reason: z.enum(['left', 'meeting_ended']) }),
  ParticipantRemoved: z.object({ meetingId: Id, userId: Id, removedBy: Id, reason: z.string().nullable() }),
  ParticipantMuted: z.object({ meetingId: Id, userId: Id, mutedBy: Id }),
  ParticipantUnmuted: z.object({ meetingId: Id, userId: Id }),
  ParticipantVideoTurnedOn: z.object({ meetingId: Id, userId: Id }),
  ParticipantVideoTurnedOff: z.object({ meetingId: Id, userId: Id, turnedOffBy: Id }),
  ParticipantRoleChanged: z.object({ meetingId: Id, userId: Id, role: ParticipantRole, changedBy: Id }),
  RecordingStarted: z.object({ meetingId: Id, recordingId: Id, startedBy: Id }),
  RecordingStopped: z.object({ meetingId: Id, recordingId: Id, stoppedBy: Id }),
  RecordingCompleted: z.object({
    meetingId: Id,
    recordingId: Id,
    storageKey: z.string(),
    sizeBytes: z.number().int().nonnegative(),
    durationSeconds: z.number().nonnegative(),
    format: z.string(),
  }),
  RecordingFailed: z.object({ meetingId: Id, recordingId: Id, reason: z.string() }),
  ChatMessageSent: z.object({
    meetingId: Id,
    messageId: Id,
    senderId: Id,
    recipientId: Id.nullable(),
    text: z.string(),
  }),
} as const;
