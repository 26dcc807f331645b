import { z } from 'zod';
import { Id, StorableDateTime } from '../common.js';
import { MeetingSettings, ParticipantRole } from './events.js';

const Title = z.string().trim().min(1).max(200);
const Description = z.string().max(5000).nullable();
const MaxParticipants = z.number().int().min(2).max(1000);
/** Long enough to resist a throttled guess, short enough to be typed; only its argon2 hash is kept. */
export const Passcode = z.string().min(4).max(64);

/** Settings as a body gives them: any of them, and the passcode itself (the write side hashes it). */
export const MeetingSettingsBody = MeetingSettings.partial()
  .extend({ passcode: Passcode.optional() })
  .strict();
export type MeetingSettingsBody = z.infer<typeof MeetingSettingsBody>;

export const ScheduleMeetingBody = z
  .object({
    title: Title,
    description: Description.optional(),
    scheduledStartAt: StorableDateTime,
    scheduledEndAt: StorableDateTime.nullable().optional(),
    maxParticipants: MaxParticipants.optional(),
    settings: MeetingSettingsBody.refine((s) => s.access !== 'passcode' || s.passcode !== undefined, {
      message: 'a meeting with access "passcode" needs a passcode',
      path: ['passcode'],
    }).optional(),
  })
  .strict();
export type ScheduleMeetingBody = z.infer<typeof ScheduleMeetingBody>;

export const UpdateMeetingBody = z
  .object({
    title: Title.optional(),
    description: Description.optional(),
    scheduledStartAt: StorableDateTime.optional(),
    scheduledEndAt: StorableDateTime.nullable().optional(),
    maxParticipants: MaxParticipants.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'at least one field is required');
export type UpdateMeetingBody = z.infer<typeof UpdateMeetingBody>;

/** Any of the settings; at least one. */
export const ChangeSettingsBody = MeetingSettingsBody.refine(
  (b) => Object.keys(b).length > 0,
  'at least one field is required',
);
export type ChangeSettingsBody = z.infer<typeof ChangeSettingsBody>;

/** The passcode is needed only to enter a `passcode` meeting uninvited. */
export const JoinMeetingBody = z.object({ passcode: Passcode.optional() }).strict();
export type JoinMeetingBody = z.infer<typeof JoinMeetingBody>;

export const CancelMeetingBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
export const RemoveParticipantBody = z
  .object({
    reason: z.string().trim().min(1).max(500).optional(),
    /** Also bar the user from coming back until a host lifts the ban. */
    ban: z.boolean().optional(),
  })
  .strict();
export const ChangeRoleBody = z.object({ role: ParticipantRole }).strict();
export const CompleteRecordingBody = z
  .object({
    storageKey: z.string().min(1).max(1024),
    sizeBytes: z.number().int().nonnegative(),
    // Any recording fits in 31 days; a bound every store holds (the seed's duration is an integer).
    durationSeconds: z
      .number()
      .nonnegative()
      .max(31 * 86_400),
    format: z.string().min(1).max(20),
  })
  .strict();
export const FailRecordingBody = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
export const SendChatMessageBody = z
  .object({ text: z.string().trim().min(1).max(4000), recipientId: Id.optional() })
  .strict();

export type CancelMeetingBody = z.infer<typeof CancelMeetingBody>;
export type RemoveParticipantBody = z.infer<typeof RemoveParticipantBody>;
export type ChangeRoleBody = z.infer<typeof ChangeRoleBody>;
export type CompleteRecordingBody = z.infer<typeof CompleteRecordingBody>;
export type FailRecordingBody = z.infer<typeof FailRecordingBody>;
export type SendChatMessageBody = z.infer<typeof SendChatMessageBody>;
