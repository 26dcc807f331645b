import { defineProjector } from './define-projector.js';

/**
 * ai_tasks (task_id = taskId) from `aitask-<taskId>` streams. Every statement is guarded by the
 * task stream's version, so a redelivered event changes nothing. `started_at` and `worker_id` are
 * the latest attempt's, `error` the latest failure's (kept while a retry runs, cleared on success),
 * `output` the completed task's results as `{ results: [...] }`. The queue's own columns
 * (dispatched_at, lease_*, settled_at, dead_lettered_at, deliveries) belong to the ai-worker.
 */
export const aiTasksProjector = defineProjector('ai-tasks', {
  AiTaskRequested: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `INSERT INTO ai_tasks
         (task_id, meeting_id, recording_id, requested_by, task_type, status, priority, input,
          last_stream_version, created_at)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9)
       ON CONFLICT (task_id) DO UPDATE SET
         meeting_id = EXCLUDED.meeting_id, recording_id = EXCLUDED.recording_id,
         requested_by = EXCLUDED.requested_by, task_type = EXCLUDED.task_type,
         priority = EXCLUDED.priority, input = EXCLUDED.input,
         last_stream_version = EXCLUDED.last_stream_version
       WHERE ai_tasks.last_stream_version < EXCLUDED.last_stream_version`,
      [
        data.taskId,
        data.meetingId,
        data.recordingId,
        data.requestedBy,
        data.taskType,
        data.priority,
        { recordingId: data.recordingId },
        streamVersion,
        occurredAt,
      ],
    ),
  AiTaskStarted: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `UPDATE ai_tasks SET status = 'running', attempts = $2, worker_id = $3, started_at = $4,
         last_stream_version = $5
       WHERE task_id = $1 AND last_stream_version < $5`,
      [data.taskId, data.attempt, data.workerId, occurredAt, streamVersion],
    ),
  AiTaskAttemptFailed: (tx, { data, streamVersion }) =>
    tx.query(
      `UPDATE ai_tasks SET status = 'pending', error = $2, last_stream_version = $3
       WHERE task_id = $1 AND last_stream_version < $3`,
      [data.taskId, data.error, streamVersion],
    ),
  AiTaskCompleted: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `UPDATE ai_tasks SET status = 'completed', output = $2, error = NULL, completed_at = $3,
         last_stream_version = $4
       WHERE task_id = $1 AND last_stream_version < $4`,
      [data.taskId, JSON.stringify({ results: data.results }), occurredAt, streamVersion],
    ),
  AiTaskFailed: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `UPDATE ai_tasks SET status = 'failed', attempts = $2, error = $3, completed_at = $4,
         last_stream_version = $5
       WHERE task_id = $1 AND last_stream_version < $5`,
      [data.taskId, data.attempts, data.error, occurredAt, streamVersion],
    ),
});
