import type { AiResult } from '@meetings/events';
import type { MeetingsReader } from './meetings-reader.js';
import type { Viewer } from './visibility.js';

/**
 * An analysis about a person (their chat sentiment, their speaking time) is read by that person,
 * the meeting's hosts and admins; a meeting-wide result (no user) by whoever may see the meeting.
 * Answers the only user whose results the viewer may read, or null when they may read all.
 */
export async function resultsOnlyAbout(
  viewer: Viewer,
  meetingId: string,
  meetings: Pick<MeetingsReader, 'isHost'>,
): Promise<string | null> {
  if (viewer.isAdmin || (await meetings.isHost(viewer.userId, meetingId))) return null;
  return viewer.userId;
}

/** The results `onlyAbout` allows: every one (null), or the meeting-wide ones and that user's. */
export function allowedResults<T extends Pick<AiResult, 'userId'>>(
  results: readonly T[],
  onlyAbout: string | null,
): T[] {
  return onlyAbout === null
    ? [...results]
    : results.filter((r) => r.userId === null || r.userId === onlyAbout);
}
