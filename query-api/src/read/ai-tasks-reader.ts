import { AiResult, AiTaskType } from '@meetings/events';
import { z } from 'zod';
import type { Queryable } from './rows.js';
import { iso, isoOrNull } from './rows.js';
import { SqlParams } from './sql.js';
import { MEETINGS_TABLE, visibleMeetings } from './visibility.js';
import type { Viewer } from './visibility.js';

export const AiTask = z
  .object({
    taskId: z.string(),
    meetingId: z.string(),
    recordingId: z.string().nullable(),
    taskType: AiTaskType,
    status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']),
    priority: z.number().int(),
    requestedBy: z.string().nullable(),
    attempts: z.number().int().describe('Attempts started so far (one whose worker died counts)'),
    error: z.string().nullable().describe('The last failed attempt’s error; null once completed'),
    results: z.array(AiResult).nullable().describe('The analysis’ results once completed'),
    createdAt: z.string(),
    startedAt: z.string().nullable().describe('When the latest attempt started'),
    completedAt: z.string().nullable().describe('When the task completed or failed for good'),
    version: z.number().int().describe('The `aitask-<taskId>` stream version'),
  })
  .meta({ id: 'AiTask' });
export type AiTask = z.infer<typeof AiTask>;

interface AiTaskRow {
  task_id: string;
  meeting_id: string;
  recording_id: string | null;
  task_type: AiTaskType;
  status: AiTask['status'];
  priority: number;
  requested_by: string | null;
  attempts: number;
  error: string | null;
  output: { results?: AiResult[] } | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  last_stream_version: string;
}

const toTask = (r: AiTaskRow): AiTask => ({
  taskId: r.task_id,
  meetingId: r.meeting_id,
  recordingId: r.recording_id,
  taskType: r.task_type,
  status: r.status,
  priority: r.priority,
  requestedBy: r.requested_by,
  attempts: r.attempts,
  error: r.error,
  results: r.output?.results ?? null,
  createdAt: iso(r.created_at),
  startedAt: isoOrNull(r.started_at),
  completedAt: isoOrNull(r.completed_at),
  version: Number(r.last_stream_version),
});

const COLUMNS = `t.task_id, t.meeting_id, t.recording_id, t.task_type, t.status, t.priority, t.requested_by,
  t.attempts, t.error, t.output, t.created_at, t.started_at, t.completed_at, t.last_stream_version`;

/** How many tasks of a meeting are listed: the newest. */
export const AI_TASKS_LISTED = 100;

/** `ai_tasks`, seen as their meeting is: by whoever may see the meeting (admins: all). */
export class AiTasksReader {
  constructor(private readonly db: Queryable) {}

  /** The meeting's newest tasks first; the caller checked that the viewer may see the meeting. */
  async ofMeeting(meetingId: string): Promise<AiTask[]> {
    const { rows } = await this.db.query<AiTaskRow>(
      `SELECT ${COLUMNS} FROM ai_tasks t WHERE t.meeting_id = $1
       ORDER BY t.created_at DESC, t.task_id LIMIT ${AI_TASKS_LISTED}`,
      [meetingId],
    );
    return rows.map(toTask);
  }

  /** Null both for a task that does not exist and for one of a meeting the viewer may not see. */
  async get(viewer: Viewer, taskId: string): Promise<AiTask | null> {
    const p = new SqlParams();
    const id = p.add(taskId);
    const { rows } = await this.db.query<AiTaskRow>(
      `SELECT ${COLUMNS} FROM ai_tasks t JOIN meetings m ON m.id = t.meeting_id
       WHERE t.task_id = ${id}::uuid AND m.deleted_at IS NULL AND (${visibleMeetings(viewer, MEETINGS_TABLE, p)})`,
      p.values,
    );
    return rows[0] ? toTask(rows[0]) : null;
  }
}
