import { z } from 'zod';

/* What the analytics endpoints answer (README, "MongoDB analytics"): camelCase views of the
 * MongoDB documents. Times are ISO 8601 strings (UTC). */

const Time = z.iso.datetime();
const Uuid = z.uuid();

export const QualitySummaryView = z.object({
  samples: z.number().int(),
  bitrateKbpsAvg: z.number(),
  packetLossPercentAvg: z.number(),
  packetLossPercentMax: z.number(),
  jitterMsAvg: z.number(),
  rttMsAvg: z.number().nullable(),
});

export const MeetingAnalyticsView = z.object({
  meetingId: Uuid,
  startedAt: Time.nullable(),
  endedAt: Time.nullable(),
  day: z.string().nullable().describe('The UTC day the meeting counts for in the daily rollups.'),
  participantCount: z.number().int(),
  currentParticipants: z.number().int(),
  peakConcurrency: z.number().int(),
  participantMinutes: z.number(),
  chatCount: z.number().int().describe('Every message, private ones included (counted only).'),
  speakingMsTotal: z.number().int(),
  participants: z.array(
    z.object({
      userId: Uuid,
      participantId: Uuid,
      joins: z.number().int(),
      presentMs: z.number().int().describe('Closed stays only; `present` says whether one is open.'),
      present: z.boolean(),
      speakingMs: z.number().int(),
      chatMessages: z.number().int(),
    }),
  ),
  timeline: z.array(z.object({ userId: Uuid, action: z.enum(['joined', 'left', 'removed']), at: Time })),
  timelineTruncated: z.boolean(),
  quality: z.record(z.string(), QualitySummaryView).describe('Per media kind: audio, video, screen.'),
});
export type MeetingAnalyticsView = z.infer<typeof MeetingAnalyticsView>;

export const AiResultView = z.object({
  taskId: Uuid,
  participantId: Uuid.nullable(),
  userId: Uuid.nullable(),
  analysisType: z.string(),
  result: z.record(z.string(), z.unknown()).nullable().describe('null once the user deleted their account'),
  createdAt: Time,
});
export const AiResultList = z.object({ items: z.array(AiResultView) });

export const DailyAnalyticsView = z.object({
  day: z.string(),
  meetings: z.number().int(),
  participants: z.number().int(),
  participantMinutes: z.number(),
  chatMessages: z.number().int(),
  speakingMs: z.number().int(),
  peakConcurrency: z.number().int(),
});
export const DailyAnalyticsList = z.object({ items: z.array(DailyAnalyticsView) });
export type DailyAnalyticsView = z.infer<typeof DailyAnalyticsView>;
export type AiResultView = z.infer<typeof AiResultView>;
