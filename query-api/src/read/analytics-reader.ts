import { MONGO_COLLECTIONS, mongoId } from '@meetings/db';
import type { Db, Document } from '@meetings/db';
import type { AiResultView, DailyAnalyticsView, MeetingAnalyticsView } from './analytics-models.js';

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);
const num = (value: unknown) => (typeof value === 'number' ? value : 0);

/**
 * Reads the MongoDB analytics the `mongo-analytics` projection writes (projection-workers). Who
 * may read what is the routes' business; this only reads.
 */
export class AnalyticsReader {
  constructor(private readonly db: Db) {}

  /** A meeting's analytics; a meeting nothing happened in yet reads as zeros. */
  async meeting(meetingId: string): Promise<MeetingAnalyticsView> {
    const doc = await this.db
      .collection(MONGO_COLLECTIONS.meetingAnalytics)
      .findOne({ _id: mongoId(`meeting:${meetingId}`) });
    return toMeetingView(meetingId, doc);
  }

  async aiResults(
    meetingId: string,
    analysisType: string | undefined,
    limit: number,
    /** Set: only the meeting-wide results and those about this user (ai-result-audience.ts). */
    onlyAbout: string | null = null,
  ): Promise<AiResultView[]> {
    const filter: Document = { meeting_id: meetingId };
    if (analysisType !== undefined) filter.analysis_type = analysisType;
    if (onlyAbout !== null) filter.user_id = { $in: [null, onlyAbout] };
    const docs = await this.db
      .collection(MONGO_COLLECTIONS.aiResults)
      .find(filter)
      .sort({ created_at: 1, task_id: 1, item: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => ({
      taskId: String(d.task_id),
      participantId: (d.participant_id as string | null) ?? null,
      userId: (d.user_id as string | null) ?? null,
      analysisType: String(d.analysis_type),
      result: (d.result as Record<string, unknown> | null) ?? null,
      createdAt: iso(d.created_at) ?? new Date(0).toISOString(),
    }));
  }

  /** The rollups of the days from `from` to `to` (YYYY-MM-DD, inclusive), days without meetings left out. */
  async daily(from: string, to: string): Promise<DailyAnalyticsView[]> {
    const docs = await this.db
      .collection(MONGO_COLLECTIONS.dailyAnalytics)
      .find({ day: { $gte: from, $lte: to } })
      .sort({ day: 1 })
      .limit(400)
      .toArray();
    return docs.map((d) => ({
      day: String(d.day),
      meetings: num(d.meetings),
      participants: num(d.participants),
      participantMinutes: num(d.participant_minutes),
      chatMessages: num(d.chat_messages),
      speakingMs: num(d.speaking_ms),
      peakConcurrency: num(d.peak_concurrency),
    }));
  }
}

function toMeetingView(meetingId: string, doc: Document | null): MeetingAnalyticsView {
  const per = (doc?.per_participant ?? {}) as Record<string, Document>;
  const order = (doc?.participants ?? []) as string[];
  const quality = (doc?.quality ?? {}) as Record<string, Document>;
  return {
    meetingId,
    startedAt: iso(doc?.started_at),
    endedAt: iso(doc?.ended_at),
    day: (doc?.day as string | null) ?? null,
    participantCount: num(doc?.participant_count),
    currentParticipants: num(doc?.current_participants),
    peakConcurrency: num(doc?.peak_concurrency),
    participantMinutes: num(doc?.participant_minutes),
    chatCount: num(doc?.chat_count),
    speakingMsTotal: num(doc?.speaking_ms_total),
    // Joined participants in join order; then those who only chatted or spoke (no join seen yet).
    participants: [...new Set([...order, ...Object.keys(per)])].map((userId) => {
      const p = per[userId] ?? {};
      return {
        userId,
        participantId: String(p.participant_id),
        joins: num(p.joins),
        presentMs: num(p.present_ms),
        present: p.present_since instanceof Date,
        speakingMs: num(p.speaking_ms),
        chatMessages: num(p.chat_messages),
      };
    }),
    timeline: ((doc?.timeline ?? []) as Document[]).map((t) => ({
      userId: String(t.user_id),
      action: t.action as 'joined' | 'left' | 'removed',
      at: iso(t.at) ?? new Date(0).toISOString(),
    })),
    timelineTruncated: doc?.timeline_truncated === true,
    quality: Object.fromEntries(
      Object.entries(quality).map(([kind, q]) => [
        kind,
        {
          samples: num(q.samples),
          bitrateKbpsAvg: num(q.bitrate_kbps_avg),
          packetLossPercentAvg: num(q.packet_loss_percent_avg),
          packetLossPercentMax: num(q.packet_loss_percent_max),
          jitterMsAvg: num(q.jitter_ms_avg),
          rttMsAvg: typeof q.rtt_ms_avg === 'number' ? q.rtt_ms_avg : null,
        },
      ]),
    ),
  };
}
