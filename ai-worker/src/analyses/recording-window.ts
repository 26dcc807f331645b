import type { DecodedEvent } from '@meetings/events';
import { AnalysisError } from '../ports/analysis.js';

/** A span of time, inclusive, in epoch milliseconds. */
export interface TimeWindow {
  from: number;
  to: number;
}

/**
 * When a recording ran, from the meeting stream: from its RecordingStarted to its RecordingStopped
 * (or the meeting's end, which stops it). A task about a recording analyses only that span; one
 * about the whole meeting (null) has no window.
 */
export function recordingWindow(
  meetingEvents: readonly DecodedEvent[],
  recordingId: string | null,
): TimeWindow | null {
  if (recordingId === null) return null;
  let from: number | null = null;
  for (const event of meetingEvents) {
    if (event.type === 'RecordingStarted' && event.data.recordingId === recordingId) {
      from = event.occurredAt.getTime();
    } else if (from !== null) {
      const stops =
        (event.type === 'RecordingStopped' && event.data.recordingId === recordingId) ||
        (event.type === 'RecordingFailed' && event.data.recordingId === recordingId) ||
        event.type === 'MeetingEnded';
      if (stops) return { from, to: event.occurredAt.getTime() };
    }
  }
  throw new AnalysisError(`recording ${recordingId} has no start and stop in the meeting's history`);
}

export const inWindow = (window: TimeWindow | null, at: number): boolean =>
  window === null || (at >= window.from && at <= window.to);

/** A share or confidence as results carry it: four decimals. */
export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
