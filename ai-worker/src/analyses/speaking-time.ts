import type { AiResult, DecodedEvent } from '@meetings/events';
import type { Analysis, AnalysisContext, AnalysisTask } from '../ports/analysis.js';
import { inWindow, recordingWindow, round4 } from './recording-window.js';
import type { TimeWindow } from './recording-window.js';

/**
 * Speaking time per participant from the SFU's audio-level observer: the sum of the `speakingMs`
 * of their ParticipantSpeakingSampled events (a sample counts when its `sampledAt` is in the
 * recording's window, for a task about a recording), and their share of everyone's. Results, by
 * speaking time then user id: one per participant `{ speakingMs, share, samples }`, and one for the
 * meeting (userId null) `{ totalSpeakingMs, participants }`.
 */
export function speakingTimeResults(
  mediaEvents: readonly DecodedEvent[],
  window: TimeWindow | null,
): AiResult[] {
  const byUser = new Map<string, { speakingMs: number; samples: number }>();
  for (const event of mediaEvents) {
    if (event.type !== 'ParticipantSpeakingSampled') continue;
    if (!inWindow(window, Date.parse(event.data.sampledAt))) continue;
    const sum = byUser.get(event.data.userId) ?? { speakingMs: 0, samples: 0 };
    sum.speakingMs += event.data.speakingMs;
    sum.samples += 1;
    byUser.set(event.data.userId, sum);
  }
  const total = [...byUser.values()].reduce((t, s) => t + s.speakingMs, 0);
  const participants = [...byUser]
    .sort(([a, x], [b, y]) => y.speakingMs - x.speakingMs || a.localeCompare(b))
    .map(([userId, s]): AiResult => ({
      userId,
      analysisType: 'speaking_time',
      result: {
        speakingMs: s.speakingMs,
        share: total > 0 ? round4(s.speakingMs / total) : 0,
        samples: s.samples,
      },
    }));
  return [
    ...participants,
    {
      userId: null,
      analysisType: 'speaking_time',
      result: { totalSpeakingMs: total, participants: participants.length },
    },
  ];
}

export const speakingTime: Analysis = {
  type: 'speaking_time',
  async run(task: AnalysisTask, { history }: AnalysisContext): Promise<AiResult[]> {
    const window =
      task.recordingId === null
        ? null
        : recordingWindow(await history.meetingEvents(task.meetingId), task.recordingId);
    return speakingTimeResults(await history.mediaEvents(task.meetingId), window);
  },
};
