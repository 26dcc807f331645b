import type { AiResult, DecodedEvent } from '@meetings/events';
import Sentiment from 'sentiment';
import type { Analysis, AnalysisContext, AnalysisTask } from '../ports/analysis.js';
import { inWindow, recordingWindow, round4 } from './recording-window.js';

type Emotion = 'positive' | 'neutral' | 'negative';

const labelOf = (score: number): Emotion => (score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral');

interface Tally {
  scores: number[];
  lastAt: number;
}

/**
 * The seed's `emotion_detection` result `{ emotion, confidence, timestamp }`, from a lexicon:
 * `emotion` is the sign of the mean AFINN-165 score of the messages (positive, neutral, negative),
 * `confidence` the share of the messages whose own score has that sign (0..1), `score` the sum of
 * their scores, `messages` how many, `timestamp` the last one's time (epoch seconds).
 */
function emotionOf({ scores, lastAt }: Tally): Record<string, unknown> {
  const score = scores.reduce((t, s) => t + s, 0);
  const emotion = labelOf(score / scores.length);
  const agreeing = scores.filter((s) => labelOf(s) === emotion).length;
  return {
    emotion,
    confidence: round4(agreeing / scores.length),
    score,
    messages: scores.length,
    timestamp: Math.floor(lastAt / 1000),
  };
}

/**
 * Chat sentiment per participant over the meeting's public messages (ChatMessageSent with no
 * recipient: a private message is never read, whoever asks), within the recording's window for a
 * task about a recording. One result per sender, by user id, and one for the meeting (userId null);
 * none at all without a public message.
 */
export function emotionResults(
  meetingEvents: readonly DecodedEvent[],
  recordingId: string | null,
  sentiment: Sentiment = new Sentiment(),
): AiResult[] {
  const window = recordingWindow(meetingEvents, recordingId);
  const bySender = new Map<string, Tally>();
  const all: Tally = { scores: [], lastAt: 0 };
  for (const event of meetingEvents) {
    if (event.type !== 'ChatMessageSent' || event.data.recipientId !== null) continue;
    const at = event.occurredAt.getTime();
    if (!inWindow(window, at)) continue;
    const { score } = sentiment.analyze(event.data.text);
    const tally = bySender.get(event.data.senderId) ?? { scores: [], lastAt: 0 };
    tally.scores.push(score);
    tally.lastAt = at;
    bySender.set(event.data.senderId, tally);
    all.scores.push(score);
    all.lastAt = at;
  }
  if (all.scores.length === 0) return [];
  return [
    ...[...bySender]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([userId, tally]): AiResult => ({
        userId,
        analysisType: 'emotion_detection',
        result: emotionOf(tally),
      })),
    { userId: null, analysisType: 'emotion_detection', result: emotionOf(all) },
  ];
}

export function emotionDetection(): Analysis {
  const sentiment = new Sentiment();
  return {
    type: 'emotion_detection',
    async run(task: AnalysisTask, { history }: AnalysisContext): Promise<AiResult[]> {
      return emotionResults(await history.meetingEvents(task.meetingId), task.recordingId, sentiment);
    },
  };
}
