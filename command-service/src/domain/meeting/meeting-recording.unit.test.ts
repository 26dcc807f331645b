import { describe, test } from 'node:test';
import { AggregateNotFound, AlreadyExists, BusinessRuleViolation, NotPermitted } from '../errors.js';
import {
  ALICE,
  CREATOR,
  REC_1,
  REC_2,
  RECORDING_FILE,
  cancelled,
  command,
  ended,
  event,
  recordingCompleted,
  recordingFailed,
  recordingStarted,
  recordingStopped,
  runningWithAliceAndBob,
  runningWithAliceAsHost,
  scheduled,
  spec,
  started,
} from '../testing/meeting-fixtures.js';

const running = runningWithAliceAndBob;
const start = (recordingId: string, actorId = CREATOR) => command('StartRecording', { recordingId }, actorId);
const stop = (recordingId: string, actorId = CREATOR) => command('StopRecording', { recordingId }, actorId);
/** The SFU node recording the meeting, acting as itself. */
const RECORDER = 'sfu:node-a';
const complete = (recordingId: string, actorId = RECORDER) =>
  command('CompleteRecording', { recordingId, ...RECORDING_FILE }, actorId);
const fail = (recordingId: string, actorId = RECORDER) =>
  command('FailRecording', { recordingId, reason: 'disk full' }, actorId);

describe('StartRecording', () => {
  test('a host records a started meeting', () => {
    spec
      .given(running())
      .when(start(REC_1))
      .then([recordingStarted(REC_1)]);
    spec
      .given(runningWithAliceAsHost())
      .when(start(REC_1, ALICE))
      .then([event('RecordingStarted', { recordingId: REC_1, startedBy: ALICE })]);
  });

  test('only a host may start recording', () => {
    spec.given(running()).when(start(REC_1, ALICE)).thenThrows(NotPermitted, 'host-only');
  });

  test('only a started meeting can be recorded', () => {
    spec.given([scheduled()]).when(start(REC_1)).thenThrows(BusinessRuleViolation, 'meeting-not-started');
    spec
      .given([scheduled(), started(), ended()])
      .when(start(REC_1))
      .thenThrows(BusinessRuleViolation, 'meeting-already-ended');
    spec
      .given([scheduled(), cancelled()])
      .when(start(REC_1))
      .thenThrows(BusinessRuleViolation, 'meeting-cancelled');
  });

  test('one recording at a time; another may start once it stopped', () => {
    spec
      .given([...running(), recordingStarted(REC_1)])
      .when(start(REC_2))
      .thenThrows(BusinessRuleViolation, 'already-recording');
    spec
      .given([...running(), recordingStarted(REC_1), recordingStopped(REC_1)])
      .when(start(REC_2))
      .then([recordingStarted(REC_2)]);
  });

  test('a recording id is never reused', () => {
    spec
      .given([...running(), recordingStarted(REC_1), recordingStopped(REC_1)])
      .when(start(REC_1))
      .thenThrows(AlreadyExists, 'recording-exists');
  });
});

describe('StopRecording', () => {
  test('a host stops the active recording', () => {
    spec
      .given([...running(), recordingStarted(REC_1)])
      .when(stop(REC_1))
      .then([recordingStopped(REC_1)]);
  });

  test('only a host may stop it', () => {
    spec
      .given([...running(), recordingStarted(REC_1)])
      .when(stop(REC_1, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('there must be a recording in progress', () => {
    spec.given(running()).when(stop(REC_1)).thenThrows(BusinessRuleViolation, 'not-recording');
    spec
      .given([...running(), recordingStarted(REC_1), recordingStopped(REC_1)])
      .when(stop(REC_1))
      .thenThrows(BusinessRuleViolation, 'not-recording');
  });

  test('the id must be the one in progress', () => {
    spec
      .given([...running(), recordingStarted(REC_1)])
      .when(stop(REC_2))
      .thenThrows(BusinessRuleViolation, 'recording-not-active');
  });
});

describe('CompleteRecording', () => {
  const stopped = () => [...running(), recordingStarted(REC_1), recordingStopped(REC_1)];

  test('the recorder completes a stopped recording, also after the meeting ended', () => {
    spec
      .given(stopped())
      .when(complete(REC_1))
      .then([recordingCompleted(REC_1)]);
    spec
      .given([...stopped(), ended()])
      .when(complete(REC_1))
      .then([recordingCompleted(REC_1)]);
  });

  test('only the recorder may complete it: a host cannot claim a file exists', () => {
    spec.given(stopped()).when(complete(REC_1, CREATOR)).thenThrows(NotPermitted, 'recorder-only');
    spec.given(stopped()).when(complete(REC_1, ALICE)).thenThrows(NotPermitted, 'recorder-only');
    // Any node may: the one that took a lost node's meeting over, or the same name restarted.
    spec
      .given(stopped())
      .when(complete(REC_1, 'sfu:node-b'))
      .then([recordingCompleted(REC_1)]);
  });

  test('a running recording must stop first', () => {
    spec
      .given([...running(), recordingStarted(REC_1)])
      .when(complete(REC_1))
      .thenThrows(BusinessRuleViolation, 'recording-not-stopped');
  });

  test('the recording must be known', () => {
    spec.given(stopped()).when(complete(REC_2)).thenThrows(AggregateNotFound, 'recording-not-found');
  });

  test('a recording is finalized once', () => {
    spec
      .given([...stopped(), recordingCompleted(REC_1)])
      .when(complete(REC_1))
      .thenThrows(BusinessRuleViolation, 'recording-already-finalized');
    spec
      .given([...stopped(), recordingFailed(REC_1)])
      .when(complete(REC_1))
      .thenThrows(BusinessRuleViolation, 'recording-already-finalized');
  });
});

describe('FailRecording', () => {
  test('the recorder fails a stopped recording (empty file, upload failed)', () => {
    spec
      .given([...running(), recordingStarted(REC_1), recordingStopped(REC_1)])
      .when(fail(REC_1))
      .then([recordingFailed(REC_1)]);
  });

  test('a running recording can fail; that alone ends it, so a new one may start', () => {
    spec
      .given([...running(), recordingStarted(REC_1)])
      .when(fail(REC_1))
      .then([recordingFailed(REC_1)]);
    spec
      .given([...running(), recordingStarted(REC_1), recordingFailed(REC_1)])
      .when(start(REC_2))
      .then([recordingStarted(REC_2)]);
    spec
      .given([...running(), recordingStarted(REC_1), recordingFailed(REC_1)])
      .when(stop(REC_1))
      .thenThrows(BusinessRuleViolation, 'not-recording');
  });

  test('only the recorder may fail it, not a host nor a participant', () => {
    for (const actor of [CREATOR, ALICE]) {
      spec
        .given([...running(), recordingStarted(REC_1)])
        .when(fail(REC_1, actor))
        .thenThrows(NotPermitted, 'recorder-only');
    }
  });

  test('a meeting that ended with a recording running stopped it; the recorder then fails it', () => {
    spec
      .given([...running(), recordingStarted(REC_1), recordingStopped(REC_1), ended()])
      .when(fail(REC_1))
      .then([recordingFailed(REC_1)]);
  });

  test('the recording must be known', () => {
    spec.given(running()).when(fail(REC_1)).thenThrows(AggregateNotFound, 'recording-not-found');
  });

  test('a finalized recording cannot fail', () => {
    const given = [...running(), recordingStarted(REC_1), recordingStopped(REC_1)];
    spec
      .given([...given, recordingCompleted(REC_1)])
      .when(fail(REC_1))
      .thenThrows(BusinessRuleViolation, 'recording-already-finalized');
    spec
      .given([...given, recordingFailed(REC_1)])
      .when(fail(REC_1))
      .thenThrows(BusinessRuleViolation, 'recording-already-finalized');
  });
});
