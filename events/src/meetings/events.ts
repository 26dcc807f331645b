import { z } from 'zod';
import { Id, IsoDateTime } from '../common.js';

export const ParticipantRole = z.enum(['host', 'participant']);
export type ParticipantRole = z.infer<typeof ParticipantRole>;

/**
 * Who may enter besides the hosts: `invited` only invitees, `passcode` also anyone signed in who
 * gives the meeting's passcode, `open` anyone signed in.
 */
export const MeetingAccess = z.enum(['invited', 'passcode', 'open']);
export type MeetingAccess = z.infer<typeof MeetingAccess>;

export const MeetingSettings = z.object({
  muteOnJoin: z.boolean(),
  allowChat: z.boolean(),
  access: MeetingAccess,
  /** A waiting room: joins by non-hosts wait there until a host admits them. */
  lobby: z.boolean(),
});
export type MeetingSettings = z.infer<typeof MeetingSettings>;

/**
 * The version of the meeting's passcode: the `passcode-<meetingId>` stream version of the
 * PasscodeSet holding its hash (the hash itself never enters the meeting stream). null: none set.
 */
const PasscodeVersion = z.number().int().positive();

/** An SFU node's name (its SFU_NODE_ID): also its etcd key's suffix, so no slashes. */
export const SfuNodeId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/);

export const meetingEventSchemas = {
  MeetingScheduled: z.object({
    meetingId: Id,
    hostId: Id,
    title: z.string(),
    description: z.string().nullable(),
    scheduledStartAt: IsoDateTime,
    scheduledEndAt: IsoDateTime.nullable(),
    maxParticipants: z.number().int().positive(),
    /** v2: settings gained `access` and `lobby`, and the passcode version came. */
    settings: MeetingSettings,
    passcodeVersion: PasscodeVersion.nullable(),
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
  /**
   * The SFU node that carries the started meeting's media (placement, sfu-node README). Written by
   * a node with a service identity: when the meeting starts, and again when its node's lease ran
   * out (`node_lost`). Clients ask query-api where to connect.
   */
  MeetingPlacedOnSfuNode: z.object({
    meetingId: Id,
    sfuNodeId: SfuNodeId,
    previousSfuNodeId: SfuNodeId.nullable(),
    reason: z.enum(['meeting_started', 'node_lost']),
  }),
  /** v2: `role` replaced v1's `isHost` flag, and the initial audio/video state is explicit. */
  ParticipantJoined: z.object({
    meetingId: Id,
    userId: Id,
    role: ParticipantRole,
    isMuted: z.boolean(),
    isVideoOn: z.boolean(),
  }),
  ParticipantLeft: z.object({ meetingId: Id, userId: Id, reason: z.enum(['left', 'meeting_ended']) }),
  /** v2: `banned` — a banned user may not join, wait in the lobby or be invited until the ban is lifted. */
  ParticipantRemoved: z.object({
    meetingId: Id,
    userId: Id,
    removedBy: Id,
    reason: z.string().nullable(),
    banned: z.boolean(),
  }),
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
  /** Only the settings that changed; `passcodeVersion` when a new passcode was set. */
  MeetingSettingsChanged: z.object({
    meetingId: Id,
    changedBy: Id,
    muteOnJoin: z.boolean().optional(),
    allowChat: z.boolean().optional(),
    access: MeetingAccess.optional(),
    lobby: z.boolean().optional(),
    passcodeVersion: PasscodeVersion.optional(),
  }),
  ParticipantInvited: z.object({ meetingId: Id, userId: Id, invitedBy: Id }),
  InvitationRevoked: z.object({ meetingId: Id, userId: Id, revokedBy: Id }),
  /** A join the lobby holds: the user waits until a host admits or denies them. */
  ParticipantWaiting: z.object({ meetingId: Id, userId: Id }),
  /** Out of the lobby and into the meeting: a ParticipantJoined follows. */
  ParticipantAdmitted: z.object({ meetingId: Id, userId: Id, admittedBy: Id }),
  ParticipantDenied: z.object({ meetingId: Id, userId: Id, deniedBy: Id }),
  ParticipantLeftLobby: z.object({ meetingId: Id, userId: Id, reason: z.enum(['left', 'meeting_ended']) }),
  BanLifted: z.object({ meetingId: Id, userId: Id, liftedBy: Id }),
  /**
   * A file a participant attached to the meeting (query-api lists and serves it). `name` is the
   * NFC file name the uploader gave (@meetings/storage's safe name rule); `storageKey` is the
   * object's key, `media/documents/meeting_<id>_<name>` unless another document of the meeting
   * had that key, then `meeting_<id>_<documentId without dashes>_<name>` (never overwritten).
   */
  MeetingDocumentAttached: z.object({
    meetingId: Id,
    documentId: Id,
    name: z.string().min(1).max(255),
    storageKey: z.string().min(1).max(1024),
    sizeBytes: z.number().int().nonnegative(),
    contentType: z.string().min(1).max(255),
    uploadedBy: Id,
  }),
  /**
   * A host removed the document (`removed`), or the upload failed after it was attached
   * (`upload_failed`, appended by the service for the uploader); its object is deleted.
   */
  MeetingDocumentRemoved: z.object({
    meetingId: Id,
    documentId: Id,
    removedBy: Id,
    reason: z.enum(['removed', 'upload_failed']),
  }),
  ChatMessageSent: z.object({
    meetingId: Id,
    messageId: Id,
    senderId: Id,
    recipientId: Id.nullable(),
    text: z.string(),
  }),
} as const;

/**
 * The `passcode-<meetingId>` stream: the argon2 hash of each passcode a meeting was given. A
 * private category, so it is never relayed nor projected.
 */
export const meetingPasscodeEventSchemas = {
  PasscodeSet: z.object({ meetingId: Id, passcodeHash: z.string() }),
} as const;
