import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import { EventFactory } from '../../testing/event-factory.js';
import { applyInTransaction } from '../../testing/postgres-projection.js';
import { aiTasksProjector } from './ai-tasks-projector.js';

const database = useTestDatabase();

const apply = (events: readonly DecodedEvent[]) =>
  applyInTransaction(database.pool, aiTasksProjector, events);

const taskRow = async (taskId: string) =>
  (
    await database.pool.query(
      `SELECT meeting_id, recording_id, requested_by, task_type, status, priority, input, output, error,
         attempts, worker_id, started_at, completed_at, last_stream_version::int AS version
       FROM ai_tasks WHERE task_id = $1`,
      [taskId],
    )
  ).rows[0] as Record<string, unknown> | undefined;

function history() {
  const f = new EventFactory();
  const [taskId, meetingId, userId, recordingId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const stream = streams.aiTask(taskId);
  const results = [
    { userId, analysisType: 'speaking_time', result: { speakingMs: 1500, share: 1 } },
    { userId: null, analysisType: 'speaking_time', result: { totalSpeakingMs: 1500 } },
  ];
  const e = {
    requested: f.event(stream, 'AiTaskRequested', {
      taskId,
      meetingId,
      recordingId,
      taskType: 'speaking_time',
      priority: 7,
      requestedBy: userId,
    }),
    started1: f.event(stream, 'AiTaskStarted', { taskId, attempt: 1, workerId: 'w1' }),
    failed1: f.event(stream, 'AiTaskAttemptFailed', { taskId, attempt: 1, error: 'boom' }),
    started2: f.event(stream, 'AiTaskStarted', { taskId, attempt: 2, workerId: 'w2' }),
    completed: f.event(stream, 'AiTaskCompleted', { taskId, meetingId, taskType: 'speaking_time', results }),
  };
  return { taskId, meetingId, userId, recordingId, results, e };
}

test('reads the five task events', () => {
  assert.equal(aiTasksProjector.name, 'ai-tasks');
  assert.deepEqual(aiTasksProjector.eventTypes, [
    'AiTaskRequested',
    'AiTaskStarted',
    'AiTaskAttemptFailed',
    'AiTaskCompleted',
    'AiTaskFailed',
  ]);
});

test('a task goes pending → running → pending → running → completed; replays change nothing', async () => {
  const { taskId, meetingId, userId, recordingId, results, e } = history();
  await apply([e.requested]);
  const pending = {
    meeting_id: meetingId,
    recording_id: recordingId,
    requested_by: userId,
    task_type: 'speaking_time',
    status: 'pending',
    priority: 7,
    input: { recordingId },
    output: null,
    error: null,
    attempts: 0,
    worker_id: null,
    started_at: null,
    completed_at: null,
    version: 1,
  };
  assert.deepEqual(await taskRow(taskId), pending);

  await apply([e.started1, e.failed1]);
  assert.deepEqual(await taskRow(taskId), {
    ...pending,
    status: 'pending',
    attempts: 1,
    worker_id: 'w1',
    started_at: e.started1.occurredAt,
    error: 'boom',
    version: 3,
  });

  await apply([e.started2, e.completed]);
  const done = {
    ...pending,
    status: 'completed',
    attempts: 2,
    worker_id: 'w2',
    started_at: e.started2.occurredAt,
    completed_at: e.completed.occurredAt,
    output: { results },
    version: 5,
  };
  assert.deepEqual(await taskRow(taskId), done);

  // A redelivered batch (the runner crashed before its checkpoint) is a no-op.
  await apply(Object.values(e));
  assert.deepEqual(await taskRow(taskId), done);
});

test('a task that ran out of attempts is failed with the last error', async () => {
  const f = new EventFactory();
  const [taskId, meetingId, userId] = [randomUUID(), randomUUID(), randomUUID()];
  const stream = streams.aiTask(taskId);
  const events = [
    f.event(stream, 'AiTaskRequested', {
      taskId,
      meetingId,
      recordingId: null,
      taskType: 'emotion_detection',
      priority: 0,
      requestedBy: userId,
    }),
    f.event(stream, 'AiTaskStarted', { taskId, attempt: 1, workerId: 'w1' }),
    f.event(stream, 'AiTaskAttemptFailed', { taskId, attempt: 1, error: 'model unavailable' }),
    f.event(stream, 'AiTaskFailed', { taskId, attempts: 1, error: 'model unavailable' }),
  ];
  await apply(events);
  const row = await taskRow(taskId);
  assert.equal(row?.status, 'failed');
  assert.equal(row?.error, 'model unavailable');
  assert.equal(row?.attempts, 1);
  assert.deepEqual(row?.completed_at, events[3]!.occurredAt);
});
