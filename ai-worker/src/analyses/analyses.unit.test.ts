import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentSchemaVersion } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import { emotionResults } from './emotion-detection.js';
import { speakingTimeResults } from './speaking-time.js';

const M = '00000000-0000-4000-8000-000000000001';
const A = '00000000-0000-4000-8000-000000000002';
const B = '00000000-0000-4000-8000-000000000003';
const R = '00000000-0000-4000-8000-000000000010';

let version = 0;
const event = (type: string, data: Record<string, unknown>, at: string) =>
  ({
    type,
    data: { meetingId: M, ...data },
    occurredAt: new Date(at),
    streamVersion: ++version,
    schemaVersion: currentSchemaVersion(type as DecodedEvent['type']),
  }) as unknown as DecodedEvent;
const chat = (senderId: string, text: string, at: string) =>
  event('ChatMessageSent', { messageId: M, senderId, recipientId: null, text }, at);

test('a task about a recording reads only what happened while it ran', () => {
  const meeting = [
    chat(A, 'great', '2026-03-02T09:00:00Z'),
    event('RecordingStarted', { recordingId: R, startedBy: A }, '2026-03-02T09:01:00Z'),
    chat(B, 'awful', '2026-03-02T09:02:00Z'),
    event('RecordingStopped', { recordingId: R, stoppedBy: A }, '2026-03-02T09:03:00Z'),
    chat(A, 'great', '2026-03-02T09:04:00Z'),
  ];
  assert.deepEqual(
    emotionResults(meeting, R).map((r) => [r.userId, r.result.emotion, r.result.messages]),
    [
      [B, 'negative', 1],
      [null, 'negative', 1],
    ],
  );
  assert.throws(() => emotionResults(meeting, M), /has no start and stop/);
  const samples = ['09:00:30', '09:02:00', '09:05:00'].map((t) =>
    event(
      'ParticipantSpeakingSampled',
      { userId: A, producerId: 'p', sampledAt: `2026-03-02T${t}.000Z`, windowMs: 5000, speakingMs: 1000 },
      `2026-03-02T${t}Z`,
    ),
  );
  assert.deepEqual(
    speakingTimeResults(samples, {
      from: Date.parse('2026-03-02T09:01:00Z'),
      to: Date.parse('2026-03-02T09:03:00Z'),
    }),
    [
      { userId: A, analysisType: 'speaking_time', result: { speakingMs: 1000, share: 1, samples: 1 } },
      { userId: null, analysisType: 'speaking_time', result: { totalSpeakingMs: 1000, participants: 1 } },
    ],
  );
});

test('no public message, no emotion result; silence is a zero share', () => {
  assert.deepEqual(emotionResults([], null), []);
  const silent = event(
    'ParticipantSpeakingSampled',
    { userId: A, producerId: 'p', sampledAt: '2026-03-02T09:00:00.000Z', windowMs: 5000, speakingMs: 0 },
    '2026-03-02T09:00:00Z',
  );
  assert.deepEqual(speakingTimeResults([silent], null)[0]!.result, { speakingMs: 0, share: 0, samples: 1 });
});
