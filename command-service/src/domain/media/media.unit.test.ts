import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fold } from '../decider.js';
import { AlreadyExists, BusinessRuleViolation } from '../errors.js';
import { deciderSpec } from '../testing/decider-spec.js';
import type { MediaCommand } from './commands.js';
import { mediaDecider } from './decider.js';
import type { MediaEvent } from './state.js';

const MEETING = '00000000-0000-4000-8000-000000000001';
const ALICE = '00000000-0000-4000-8000-000000000003';
const STREAM_1 = '00000000-0000-4000-8000-000000000030';
const STREAM_2 = '00000000-0000-4000-8000-000000000031';
const SFU = 'sfu-eu-1';
const NOW = new Date('2030-01-01T08:00:00.000Z');

const spec = deciderSpec(mediaDecider);

const publication = {
  meetingId: MEETING,
  mediaStreamId: STREAM_1,
  userId: ALICE,
  kind: 'video',
  sfuNodeId: SFU,
  producerId: 'producer-1',
  codec: 'VP8',
} as const;
const sample = {
  meetingId: MEETING,
  mediaStreamId: STREAM_1,
  sampledAt: '2030-01-01T09:00:05.000Z',
  bitrateKbps: 1200,
  packetLossPercent: 0.5,
  jitterMs: 12,
  rttMs: null,
};
const closing = { meetingId: MEETING, mediaStreamId: STREAM_1, reason: 'unpublished' } as const;

const cmd = <C extends MediaCommand>(type: C['type'], data: C['data']) =>
  ({ type, data, actorId: SFU, now: NOW }) as C;
const publish = (mediaStreamId = STREAM_1) => cmd('PublishMediaStream', { ...publication, mediaStreamId });
const close = (mediaStreamId = STREAM_1) => cmd('CloseMediaStream', { ...closing, mediaStreamId });
const recordSample = (mediaStreamId = STREAM_1) => cmd('RecordQualitySample', { ...sample, mediaStreamId });

const published: MediaEvent = { type: 'MediaStreamPublished', data: publication };
const closed: MediaEvent = { type: 'MediaStreamClosed', data: closing };
const sampled: MediaEvent = { type: 'MediaStreamQualitySampled', data: sample };

describe('PublishMediaStream', () => {
  test('publishes a new stream', () => {
    spec.given([]).when(publish()).then([published]);
  });

  test('a stream id is published once, even after it closed', () => {
    spec.given([published]).when(publish()).thenThrows(AlreadyExists, 'media-stream-exists');
    spec.given([published, closed]).when(publish()).thenThrows(AlreadyExists, 'media-stream-exists');
  });
});

describe('CloseMediaStream', () => {
  test('closes an open stream', () => {
    spec.given([published, sampled]).when(close()).then([closed]);
  });

  test('the stream must be open', () => {
    spec.given([published]).when(close(STREAM_2)).thenThrows(BusinessRuleViolation, 'media-stream-not-open');
    spec.given([published, closed]).when(close()).thenThrows(BusinessRuleViolation, 'media-stream-not-open');
  });
});

describe('RecordQualitySample', () => {
  test('samples an open stream', () => {
    spec.given([published]).when(recordSample()).then([sampled]);
  });

  test('the stream must be open', () => {
    spec.given([]).when(recordSample()).thenThrows(BusinessRuleViolation, 'media-stream-not-open');
    spec
      .given([published, closed])
      .when(recordSample())
      .thenThrows(BusinessRuleViolation, 'media-stream-not-open');
  });
});

describe('RecordSpeakingSample', () => {
  const speaking = {
    meetingId: MEETING,
    userId: ALICE,
    producerId: 'producer-1',
    sampledAt: '2030-01-01T09:00:10.000Z',
    windowMs: 10_000,
    speakingMs: 4_200,
  };
  const recordSpeaking = (data: Partial<typeof speaking> = {}, mediaStreamId = STREAM_1) =>
    cmd('RecordSpeakingSample', { ...speaking, ...data, mediaStreamId });

  test("samples an open stream's speaking time, without the stream id", () => {
    spec
      .given([published])
      .when(recordSpeaking())
      .then([{ type: 'ParticipantSpeakingSampled', data: speaking }]);
    spec
      .given([published])
      .when(recordSpeaking({ speakingMs: 10_000 }))
      .then([{ type: 'ParticipantSpeakingSampled', data: { ...speaking, speakingMs: 10_000 } }]);
  });

  test('a silent window is no sample, and speaking never exceeds the window', () => {
    for (const speakingMs of [0, 10_001]) {
      spec
        .given([published])
        .when(recordSpeaking({ speakingMs }))
        .thenThrows(BusinessRuleViolation, 'invalid-speaking-sample');
    }
  });

  test('the stream must be open', () => {
    spec.given([]).when(recordSpeaking()).thenThrows(BusinessRuleViolation, 'media-stream-not-open');
    spec
      .given([published, closed])
      .when(recordSpeaking())
      .thenThrows(BusinessRuleViolation, 'media-stream-not-open');
  });

  test('evolve leaves the streams as they were', () => {
    const state = fold(mediaDecider, [published]);
    assert.equal(mediaDecider.evolve(state, { type: 'ParticipantSpeakingSampled', data: speaking }), state);
  });
});

describe('evolve', () => {
  test('tracks each stream as open or closed without mutating earlier states', () => {
    const first = fold(mediaDecider, [published]);
    const second = mediaDecider.evolve(first, closed);
    assert.deepEqual([...first.streams], [[STREAM_1, 'open']]);
    assert.deepEqual([...second.streams], [[STREAM_1, 'closed']]);
  });
});
