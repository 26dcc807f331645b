import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventData } from '@meetings/events';
import { fold } from '../decider.js';
import { AggregateNotFound, AlreadyExists, BusinessRuleViolation, NotPermitted } from '../errors.js';
import { meetingDecider } from '../meeting/decider.js';
import type { MeetingEvent } from '../meeting/state.js';
import { deciderSpec } from '../testing/decider-spec.js';
import {
  ALICE,
  cancelled,
  CREATOR,
  ended,
  joined,
  MEETING,
  NOW,
  REC_1,
  REC_2,
  recordingCompleted,
  recordingStarted,
  recordingStopped,
  roleChanged,
  scheduled,
  started,
  uuid,
} from '../testing/meeting-fixtures.js';
import type { AiTaskCommand, RequestAiTask } from './commands.js';
import { aiTaskDecider } from './decider.js';
import { ABANDONED_ATTEMPT } from './decide-work.js';
import type { AiTaskEvent } from './state.js';

const TASK = uuid(40);
const WORKER = 'ai-worker:w1';
const spec = deciderSpec(aiTaskDecider);

const request = (
  meetingEvents: MeetingEvent[],
  overrides: Partial<RequestAiTask['data']> = {},
  actorId = CREATOR,
): RequestAiTask => ({
  type: 'RequestAiTask',
  data: {
    taskId: TASK,
    meetingId: MEETING,
    taskType: 'speaking_time',
    priority: 5,
    recordingId: null,
    actorRole: 'user',
    meeting: fold(meetingDecider, meetingEvents),
    ...overrides,
  },
  actorId,
  now: NOW,
});
const work = <C extends AiTaskCommand>(type: C['type'], data: Omit<C['data'], 'taskId'>) =>
  ({ type, data: { taskId: TASK, ...data }, actorId: WORKER, now: NOW }) as C;
const start = () => work('StartAiTask', { workerId: 'w1' });
const complete = (attempt: number) => work('CompleteAiTask', { attempt, results: [] });
const failAttempt = (attempt: number) => work('FailAiTaskAttempt', { attempt, error: 'boom' });
const giveUp = () => work('GiveUpAiTask', {});

const requestedData: EventData<'AiTaskRequested'> = {
  taskId: TASK,
  meetingId: MEETING,
  recordingId: null,
  taskType: 'speaking_time',
  priority: 5,
  requestedBy: CREATOR,
};
const requested: AiTaskEvent = { type: 'AiTaskRequested', data: requestedData };
const startedAttempt = (attempt: number, workerId = 'w1'): AiTaskEvent => ({
  type: 'AiTaskStarted',
  data: { taskId: TASK, attempt, workerId },
});
const attemptFailed = (attempt: number, error = 'boom'): AiTaskEvent => ({
  type: 'AiTaskAttemptFailed',
  data: { taskId: TASK, attempt, error },
});
const completed: AiTaskEvent = {
  type: 'AiTaskCompleted',
  data: { taskId: TASK, meetingId: MEETING, taskType: 'speaking_time', results: [] },
};
const failed = (attempts: number, error = 'boom'): AiTaskEvent => ({
  type: 'AiTaskFailed',
  data: { taskId: TASK, attempts, error },
});

const byAlice: AiTaskEvent = {
  type: 'AiTaskRequested',
  data: { ...requestedData, requestedBy: ALICE },
};

describe('RequestAiTask', () => {
  test('a host asks about a started or ended meeting', () => {
    spec
      .given([])
      .when(request([scheduled(), started()]))
      .then([requested]);
    spec
      .given([])
      .when(request([scheduled(), started(), ended()]))
      .then([requested]);
  });

  test('an admin may ask about any meeting; another user may not', () => {
    const running = [scheduled(), started(), joined(ALICE)];
    spec
      .given([])
      .when(request(running, { actorRole: 'admin' }, ALICE))
      .then([byAlice]);
    spec
      .given([])
      .when(request(running, {}, ALICE))
      .thenThrows(NotPermitted, 'host-only');
    spec
      .given([])
      .when(request([...running, roleChanged(ALICE, 'host')], {}, ALICE))
      .then([byAlice]);
  });

  test('the meeting must exist and have started, and not be cancelled', () => {
    spec.given([]).when(request([])).thenThrows(AggregateNotFound, 'meeting-not-found');
    spec
      .given([])
      .when(request([scheduled()]))
      .thenThrows(BusinessRuleViolation, 'meeting-not-started');
    spec
      .given([])
      .when(request([scheduled(), cancelled()]))
      .thenThrows(BusinessRuleViolation, 'meeting-cancelled');
  });

  test('a recording must be a completed one of the meeting', () => {
    const history = [scheduled(), started(), recordingStarted(REC_1), recordingStopped(REC_1)];
    const withRecording = { ...requested, data: { ...requested.data, recordingId: REC_1 } } as AiTaskEvent;
    spec
      .given([])
      .when(request([...history, recordingCompleted(REC_1)], { recordingId: REC_1 }))
      .then([withRecording]);
    spec
      .given([])
      .when(request(history, { recordingId: REC_1 }))
      .thenThrows(BusinessRuleViolation, 'recording-not-completed');
    spec
      .given([])
      .when(request(history, { recordingId: REC_2 }))
      .thenThrows(AggregateNotFound, 'recording-not-found');
  });

  test('a task id is used once', () => {
    spec
      .given([requested])
      .when(request([scheduled(), started()]))
      .thenThrows(AlreadyExists, 'ai-task-exists');
  });
});

describe('a worker running the task', () => {
  test('starts attempt 1, then completes it', () => {
    spec
      .given([requested])
      .when(start())
      .then([startedAttempt(1)]);
    spec
      .given([requested, startedAttempt(1)])
      .when(complete(1))
      .then([completed]);
  });

  test('a failed attempt leaves the task pending for the next one', () => {
    spec
      .given([requested, startedAttempt(1)])
      .when(failAttempt(1))
      .then([attemptFailed(1)]);
    spec
      .given([requested, startedAttempt(1), attemptFailed(1)])
      .when(start())
      .then([startedAttempt(2)]);
  });

  test('starting over a running attempt records it as abandoned (its worker died)', () => {
    spec
      .given([requested, startedAttempt(1, 'dead')])
      .when(start())
      .then([attemptFailed(1, ABANDONED_ATTEMPT), startedAttempt(2)]);
  });

  test('only the running attempt may report, once', () => {
    const history = [requested, startedAttempt(1), attemptFailed(1), startedAttempt(2)];
    spec.given(history).when(complete(1)).thenThrows(BusinessRuleViolation, 'ai-task-attempt-not-running');
    spec.given(history).when(failAttempt(1)).thenThrows(BusinessRuleViolation, 'ai-task-attempt-not-running');
    spec
      .given([requested])
      .when(complete(1))
      .thenThrows(BusinessRuleViolation, 'ai-task-attempt-not-running');
  });

  test('a finished task takes nothing more: a redelivered message appends nothing', () => {
    for (const history of [
      [requested, startedAttempt(1), completed],
      [requested, startedAttempt(1), attemptFailed(1), failed(1)],
    ]) {
      spec.given(history).when(start()).thenThrows(BusinessRuleViolation, 'ai-task-finished');
      spec.given(history).when(complete(1)).thenThrows(BusinessRuleViolation, 'ai-task-finished');
      spec.given(history).when(giveUp()).thenThrows(BusinessRuleViolation, 'ai-task-finished');
    }
    spec.given([]).when(start()).thenThrows(AggregateNotFound, 'ai-task-not-found');
  });

  test('giving up fails the task with the last error, or the abandoned attempt', () => {
    spec
      .given([requested, startedAttempt(1), attemptFailed(1)])
      .when(giveUp())
      .then([failed(1)]);
    spec
      .given([requested, startedAttempt(1), attemptFailed(1), startedAttempt(2)])
      .when(giveUp())
      .then([attemptFailed(2, ABANDONED_ATTEMPT), failed(2, ABANDONED_ATTEMPT)]);
    spec.given([requested]).when(giveUp()).thenThrows(BusinessRuleViolation, 'ai-task-not-attempted');
  });
});

test('evolve counts attempts and keeps the last error', () => {
  const state = fold(aiTaskDecider, [requested, startedAttempt(1), attemptFailed(1, 'x'), startedAttempt(2)]);
  assert.deepEqual(state, {
    status: 'running',
    taskId: TASK,
    meetingId: MEETING,
    taskType: 'speaking_time',
    recordingId: null,
    attempts: 2,
    lastError: 'x',
  });
});
