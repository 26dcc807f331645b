import { z } from 'zod';

/*
 * What the query API answers, as zod schemas: the readers' result types and the OpenAPI document
 * both come from here. Times are ISO 8601 strings (UTC), ids uuids, absent values null.
 */

const Time = z.iso.datetime();
const Uuid = z.uuid();

export const MeetingStatus = z.enum(['scheduled', 'started', 'ended', 'cancelled']);

export const Meeting = z
  .object({
    id: Uuid,
    hostId: Uuid,
    title: z.string(),
    description: z.string().nullable(),
    status: MeetingStatus,
    scheduledStartAt: Time,
    scheduledEndAt: Time.nullable(),
    actualStartAt: Time.nullable(),
    actualEndAt: Time.nullable(),
    maxParticipants: z.number().int(),
    isRecording: z.boolean(),
    settings: z.record(z.string(), z.unknown()),
    cancelReason: z.string().nullable(),
    version: z
      .number()
      .int()
      .describe(
        'The meeting stream version (every event of it, participants and chat included): send it as If-Match.',
      ),
    createdAt: Time,
    updatedAt: Time,
  })
  .meta({ id: 'Meeting' });
export type Meeting = z.infer<typeof Meeting>;

export const Participant = z
  .object({
    userId: Uuid,
    role: z.enum(['host', 'participant']),
    joinedAt: Time.nullable(),
    leftAt: Time.nullable(),
    leaveReason: z.enum(['left', 'meeting_ended', 'removed']).nullable(),
    removedBy: Uuid.nullable(),
    removeReason: z.string().nullable(),
    isMuted: z.boolean(),
    isVideoOn: z.boolean(),
  })
  .meta({ id: 'Participant' });
export type Participant = z.infer<typeof Participant>;

export const MeetingDetail = Meeting.extend({ participants: z.array(Participant) }).meta({
  id: 'MeetingDetail',
});
export type MeetingDetail = z.infer<typeof MeetingDetail>;

const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.'),
    })
    .meta({ id });

export const MeetingPage = pageOf(Meeting, 'MeetingPage');

export const Recording = z
  .object({
    id: Uuid,
    meetingId: Uuid,
    status: z
      .enum(['recording', 'processing', 'completed', 'failed'])
      .describe("the seed's values: processing from the stop until the file is stored"),
    startedBy: Uuid.nullable(),
    stoppedBy: Uuid.nullable(),
    startedAt: Time,
    stoppedAt: Time.nullable(),
    completedAt: Time.nullable(),
    storageKey: z.string().nullable(),
    sizeBytes: z.number().int().nullable(),
    durationSeconds: z.number().nullable(),
    format: z.string().nullable(),
    failureReason: z.string().nullable(),
  })
  .meta({ id: 'Recording' });
export type Recording = z.infer<typeof Recording>;

export const MediaStream = z
  .object({
    id: Uuid,
    meetingId: Uuid,
    userId: Uuid,
    kind: z.enum(['audio', 'video', 'screen']),
    sfuNodeId: z.string(),
    producerId: z.string(),
    codec: z.string(),
    status: z.enum(['active', 'closed']),
    closeReason: z.string().nullable(),
    publishedAt: Time,
    closedAt: Time.nullable(),
    bitrateKbps: z.number().nullable(),
    packetLossPercent: z.number().nullable(),
    jitterMs: z.number().nullable(),
    rttMs: z.number().nullable(),
    lastSampledAt: Time.nullable(),
  })
  .meta({ id: 'MediaStream' });
export type MediaStream = z.infer<typeof MediaStream>;

export const ChatMessage = z
  .object({
    id: Uuid,
    meetingId: Uuid,
    senderId: Uuid,
    recipientId: Uuid.nullable().describe('null: sent to everyone'),
    isPrivate: z.boolean(),
    text: z.string(),
    sentAt: Time,
  })
  .meta({ id: 'ChatMessage' });
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ChatPage = pageOf(ChatMessage, 'ChatMessagePage');

export const ActiveMeetingStats = z
  .object({
    meetingId: Uuid,
    title: z.string(),
    hostId: Uuid,
    actualStartAt: Time.nullable(),
    currentParticipants: z.number().int(),
    mutedParticipants: z.number().int(),
    videoOnParticipants: z.number().int(),
    isRecording: z.boolean(),
    activeMediaStreams: z.number().int(),
    durationSeconds: z.number().int().nullable(),
  })
  .meta({ id: 'ActiveMeetingStats' });
export type ActiveMeetingStats = z.infer<typeof ActiveMeetingStats>;

export const OperationLog = z
  .object({
    id: z.number().int(),
    eventId: Uuid,
    actorUserId: Uuid.nullable(),
    action: z.string().describe('The event type.'),
    resourceType: z.string().describe('The stream category: meeting, user, media.'),
    resourceId: z.string(),
    details: z.record(z.string(), z.unknown()),
    correlationId: z.string().nullable(),
    occurredAt: Time,
  })
  .meta({ id: 'OperationLog' });
export type OperationLog = z.infer<typeof OperationLog>;

export const OperationLogPage = pageOf(OperationLog, 'OperationLogPage');

export const RoomParticipant = z
  .object({
    userId: Uuid,
    role: z.enum(['host', 'participant']),
    isMuted: z.boolean(),
    isVideoOn: z.boolean(),
    joinedAt: Time,
  })
  .meta({ id: 'RoomParticipant' });
export type RoomParticipant = z.infer<typeof RoomParticipant>;

export const LobbyEntry = z.object({ userId: Uuid, waitingSince: Time }).meta({ id: 'LobbyEntry' });
export type LobbyEntry = z.infer<typeof LobbyEntry>;

export const Room = z
  .object({
    meetingId: Uuid,
    status: z.enum(['waiting', 'live']),
    participants: z.array(RoomParticipant).describe('Present participants, in join order.'),
    participantCount: z.number().int(),
    lobby: z
      .array(LobbyEntry)
      .nullable()
      .describe('Who waits in the lobby, in order of arrival: for hosts and admins only, null for others.'),
    settings: z
      .record(z.string(), z.unknown())
      .describe('The meeting’s settings (access, lobby, chat, ...).'),
    isRecording: z.boolean(),
    recordingId: Uuid.nullable(),
    version: z.number().int().describe('The meeting stream version the room reflects.'),
    createdAt: Time,
    updatedAt: Time,
  })
  .meta({ id: 'Room' });
export type Room = z.infer<typeof Room>;

export const MediaServerLocation = z
  .object({
    meetingId: Uuid,
    sfuNodeId: z.string(),
    url: z.string().describe('The signaling WebSocket URL: connect with `?token=<session token>`.'),
  })
  .meta({ id: 'MediaServerLocation' });
export type MediaServerLocation = z.infer<typeof MediaServerLocation>;

export const Invitation = z
  .object({ userId: Uuid, invitedBy: Uuid, invitedAt: Time })
  .meta({ id: 'Invitation' });
export type Invitation = z.infer<typeof Invitation>;

export const itemsOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item) }).meta({ id });
