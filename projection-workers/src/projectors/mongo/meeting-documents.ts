import type { Db } from '@meetings/db';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import { meetingAnalyticsId } from './documents.js';
import { emptyMeetingAnalytics, evolveMeetingAnalytics } from './meeting-analytics.js';
import type { MeetingAnalytics, MeetingAnalyticsEvent } from './meeting-analytics.js';

/**
 * Folds a batch's events into the meeting_analytics documents they concern: each document is read
 * once, folded in memory (evolveMeetingAnalytics skips what its stream versions already hold) and
 * written once, by compare-and-set on the versions it was read at. A document that is new is
 * first created empty (an upsert that only sets on insert: a second one is a no-op), so no write
 * ever depends on a duplicate-key error. Returns the UTC days whose rollups may have changed.
 */
export async function foldMeetingDocuments(
  db: Db,
  /** The meeting_analytics collection's name (the live one, or a rebuild's generation). */
  collectionName: string,
  projection: string,
  events: readonly MeetingAnalyticsEvent[],
): Promise<Set<string>> {
  const byMeeting = new Map<string, MeetingAnalyticsEvent[]>();
  for (const event of events) {
    const list = byMeeting.get(event.data.meetingId) ?? [];
    list.push(event);
    byMeeting.set(event.data.meetingId, list);
  }
  const days = new Set<string>();
  if (byMeeting.size === 0) return days;
  const collection = db.collection<MeetingAnalytics>(collectionName);
  const ids = [...byMeeting.keys()];
  const stored = new Map<string, MeetingAnalytics>();
  for (const { _id: _ignored, ...doc } of await collection
    .find({ _id: { $in: ids.map(meetingAnalyticsId) } })
    .toArray()) {
    stored.set(doc.meeting_id, doc);
  }
  await Promise.all(
    ids.map(async (meetingId) => {
      const before = stored.get(meetingId);
      const base = before ?? emptyMeetingAnalytics(meetingId);
      const after = byMeeting.get(meetingId)!.reduce(evolveMeetingAnalytics, base);
      if (after === base) return;
      const _id = meetingAnalyticsId(meetingId);
      if (!before) {
        await collection.updateOne(
          { _id },
          { $setOnInsert: emptyMeetingAnalytics(meetingId) },
          { upsert: true },
        );
      }
      const written = await collection.updateOne(
        { _id, 'versions.meeting': base.versions.meeting, 'versions.media': base.versions.media },
        { $set: after },
      );
      if (written.matchedCount === 0) {
        throw new CheckpointConflict(projection, `meeting_analytics ${meetingId} changed under this run`);
      }
      for (const day of [before?.day, after.day]) if (day) days.add(day);
    }),
  );
  return days;
}
