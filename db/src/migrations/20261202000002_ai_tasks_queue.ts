import type { Knex } from 'knex';

/**
 * `ai_tasks` as the task queue of the AI worker (issue 12):
 * - task types: the analyses that run here (`speaking_time`, `emotion_detection`) join the seed's;
 * - projected from `aitask-<taskId>`: `attempts` (AiTaskStarted) and `worker_id`, the worker of the
 *   latest attempt; `error` and `output` already existed;
 * - written by the queue itself, never by the projection (so a rebuild resets them, harmlessly: a
 *   task redelivered after that finds its stream settled and appends nothing): `dispatched_at`
 *   (handed out to Kafka's `meeting.tasks` or first claimed locally), `deliveries`, the lease of
 *   the local queue (`lease_owner`, `lease_expires_at`), `settled_at` (the queue is done with it)
 *   and `dead_lettered_at` (the local dead list; on Kafka, the `meeting.tasks.dlq` topic).
 * The claim index serves `ORDER BY priority DESC, created_at` over the open tasks only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE ai_tasks DROP CONSTRAINT ai_tasks_task_type_check;
    ALTER TABLE ai_tasks ADD CONSTRAINT ai_tasks_task_type_check CHECK (task_type IN
      ('transcription', 'summary', 'translation', 'action_items', 'speaking_time', 'emotion_detection'));
    ALTER TABLE ai_tasks
      ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      ADD COLUMN worker_id text,
      ADD COLUMN dispatched_at timestamptz,
      ADD COLUMN deliveries integer NOT NULL DEFAULT 0 CHECK (deliveries >= 0),
      ADD COLUMN lease_owner text,
      ADD COLUMN lease_expires_at timestamptz,
      ADD COLUMN settled_at timestamptz,
      ADD COLUMN dead_lettered_at timestamptz,
      ADD CONSTRAINT ai_tasks_priority_check CHECK (priority BETWEEN 0 AND 9);
    CREATE INDEX ai_tasks_claim_idx ON ai_tasks (priority DESC, created_at, task_id)
      WHERE status IN ('pending', 'running') AND settled_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX ai_tasks_claim_idx;
    ALTER TABLE ai_tasks
      DROP CONSTRAINT ai_tasks_priority_check,
      DROP COLUMN dead_lettered_at,
      DROP COLUMN settled_at,
      DROP COLUMN lease_expires_at,
      DROP COLUMN lease_owner,
      DROP COLUMN deliveries,
      DROP COLUMN dispatched_at,
      DROP COLUMN worker_id,
      DROP COLUMN attempts;
    DELETE FROM ai_tasks WHERE task_type IN ('speaking_time', 'emotion_detection');
    ALTER TABLE ai_tasks DROP CONSTRAINT ai_tasks_task_type_check;
    ALTER TABLE ai_tasks ADD CONSTRAINT ai_tasks_task_type_check CHECK (task_type IN
      ('transcription', 'summary', 'translation', 'action_items'));
  `);
}
