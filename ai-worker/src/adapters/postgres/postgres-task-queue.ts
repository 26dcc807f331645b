import type pg from 'pg';
import type { TaskMessage } from '../../ports/task-queue.js';

const COLUMNS = 'task_id, meeting_id, task_type, priority';

interface Row {
  task_id: string;
  meeting_id: string;
  task_type: TaskMessage['taskType'];
  priority: number;
}

const toMessage = (r: Row): TaskMessage => ({
  taskId: r.task_id,
  meetingId: r.meeting_id,
  taskType: r.task_type,
  priority: r.priority,
});

/**
 * The local `meeting.tasks`: the `ai_tasks` rows themselves. A claim takes the open task of highest
 * priority (then oldest) whose lease is free, `FOR UPDATE SKIP LOCKED` so that concurrent claims
 * never wait on nor take the same row, and leases it to the worker; the worker renews the lease
 * while it runs the task. A worker that dies stops renewing and the task is claimed again once the
 * lease expired, so nothing stays `running`. Acknowledging or dead-lettering settles the row (the
 * local dead list is the rows with `dead_lettered_at`). Rows are named by the projection; these
 * columns are the queue's own.
 */
export class PostgresTaskQueue {
  constructor(
    private readonly pool: pg.Pool,
    private readonly leaseMs: number,
  ) {}

  async claim(workerId: string): Promise<TaskMessage | null> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE ai_tasks SET lease_owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond',
         deliveries = deliveries + 1, dispatched_at = coalesce(dispatched_at, now())
       WHERE task_id = (
         SELECT task_id FROM ai_tasks
         WHERE status IN ('pending', 'running') AND settled_at IS NULL
           AND (lease_expires_at IS NULL OR lease_expires_at < now())
         ORDER BY priority DESC, created_at, task_id
         LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [workerId, this.leaseMs],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  /** Extends this worker's lease; false when it lost it (it expired and another worker claimed). */
  async renew(taskId: string, workerId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ai_tasks SET lease_expires_at = now() + $3 * interval '1 millisecond'
       WHERE task_id = $1 AND lease_owner = $2`,
      [taskId, workerId, this.leaseMs],
    );
    return rowCount === 1;
  }

  /** Done with the task (its outcome is in its stream): it leaves the queue. */
  async ack(taskId: string): Promise<void> {
    await this.pool.query(
      `UPDATE ai_tasks SET settled_at = coalesce(settled_at, now()), lease_owner = NULL, lease_expires_at = NULL
       WHERE task_id = $1`,
      [taskId],
    );
  }

  /** Onto the dead list: kept for an operator, never handed out again. */
  async deadLetter(taskId: string): Promise<void> {
    await this.pool.query(
      `UPDATE ai_tasks SET dead_lettered_at = coalesce(dead_lettered_at, now()),
         settled_at = coalesce(settled_at, now()), lease_owner = NULL, lease_expires_at = NULL
       WHERE task_id = $1`,
      [taskId],
    );
  }

  /** Gives a claimed task back at once (this worker stops without running it). */
  async release(taskId: string, workerId: string): Promise<void> {
    await this.pool.query(
      `UPDATE ai_tasks SET lease_owner = NULL, lease_expires_at = NULL WHERE task_id = $1 AND lease_owner = $2`,
      [taskId, workerId],
    );
  }

  /** The dead list, newest first. */
  async deadList(limit = 100): Promise<TaskMessage[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ai_tasks WHERE dead_lettered_at IS NOT NULL
       ORDER BY dead_lettered_at DESC, task_id LIMIT $1`,
      [limit],
    );
    return rows.map(toMessage);
  }
}
