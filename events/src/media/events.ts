import { z } from 'zod';
import { Id, IsoDateTime } from '../common.js';

export const MediaKind = z.enum(['audio', 'video', 'screen']);
export type MediaKind = z.infer<typeof MediaKind>;

/** Published by SFU nodes into `media-<meetingId>`. */
export const mediaEventSchemas = {
  MediaStreamPublished: z.object({
    meetingId: Id,
    mediaStreamId: Id,
    userId: Id,
    kind: MediaKind,
    sfuNodeId: z.string(),
    producerId: z.string(),
    codec: z.string(),
  }),
  MediaStreamClosed: z.object({
    meetingId: Id,
    mediaStreamId: Id,
    reason: z.enum(['unpublished', 'participant_left', 'meeting_ended', 'sfu_failure']),
  }),
  MediaStreamQualitySampled: z.object({
    meetingId: Id,
    mediaStreamId: Id,
    sampledAt: IsoDateTime,
    bitrateKbps: z.number().nonnegative(),
    packetLossPercent: z.number().min(0).max(100),
    jitterMs: z.number().nonnegative(),
    rttMs: z.number().nonnegative().nullable(),
  }),
  /**
   * How long a participant spoke in a window, from the SFU's audio-level observer on their mic
   * producer: at most one per producer per sample interval, none for a silent window.
   */
  ParticipantSpeakingSampled: z.object({
    meetingId: Id,
    userId: Id,
    producerId: z.string(),
    sampledAt: IsoDateTime,
    windowMs: z.number().int().positive(),
    speakingMs: z.number().int().nonnegative(),
  }),
} as const;
