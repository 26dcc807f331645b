import type { Db } from '@meetings/db';
import type { AnalyticsCollections } from './analytics-collections.js';
import { dailyAnalyticsId } from './documents.js';

/** A `daily_analytics` document: one per UTC day with meetings (by their `day`). */
export interface DailyAnalytics {
  day: string;
  meetings: number;
  /** Participants summed over the day's meetings (one user in two meetings counts twice). */
  participants: number;
  participant_ms: number;
  participant_minutes: number;
  chat_messages: number;
  speaking_ms: number;
  /** The highest peak concurrency of the day's meetings. */
  peak_concurrency: number;
}

/**
 * Recomputes the rollups of `days` from meeting_analytics ($match + $group) and writes each with
 * $set, or deletes it when no meeting counts for that day any more (a meeting joined before it
 * started moves to its start day). A function of the meeting documents alone: replaying it
 * changes nothing, and a rebuild, whatever its batches, ends with the same documents.
 */
export async function refreshDailyRollups(
  db: Db,
  collections: Pick<AnalyticsCollections, 'meetingAnalytics' | 'dailyAnalytics'>,
  days: Iterable<string>,
): Promise<void> {
  const meetings = db.collection(collections.meetingAnalytics);
  const daily = db.collection<DailyAnalytics>(collections.dailyAnalytics);
  for (const day of new Set(days)) {
    const [totals] = await meetings
      .aggregate<Omit<DailyAnalytics, 'day' | 'participant_minutes'>>([
        { $match: { day } },
        {
          $group: {
            _id: null,
            meetings: { $sum: 1 },
            participants: { $sum: '$participant_count' },
            participant_ms: { $sum: '$participant_ms' },
            chat_messages: { $sum: '$chat_count' },
            speaking_ms: { $sum: '$speaking_ms_total' },
            peak_concurrency: { $max: '$peak_concurrency' },
          },
        },
      ])
      .toArray();
    const _id = dailyAnalyticsId(day);
    if (!totals || totals.meetings === 0) {
      await daily.deleteOne({ _id });
      continue;
    }
    const doc: DailyAnalytics = {
      day,
      meetings: totals.meetings,
      participants: totals.participants,
      participant_ms: totals.participant_ms,
      participant_minutes: Number((totals.participant_ms / 60_000).toFixed(2)),
      chat_messages: totals.chat_messages,
      speaking_ms: totals.speaking_ms,
      peak_concurrency: totals.peak_concurrency,
    };
    await daily.updateOne({ _id }, { $set: doc }, { upsert: true });
  }
}
