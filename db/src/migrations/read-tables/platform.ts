import { streamVersion, timestamps, touchUpdatedAt } from './sql.js';
import type { SqlStep } from './sql.js';

/** Transcription/summary/... jobs run on a meeting, optionally on one of its recordings. */
export const aiTasks: SqlStep = {
  up: `
    CREATE TABLE ai_tasks (
      id uuid PRIMARY KEY,
      meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
      -- CASCADE: the output is derived from the recording's content and must go with it.
      recording_id uuid REFERENCES meeting_recordings (id) ON DELETE CASCADE,
      requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
      task_type text NOT NULL
        CHECK (task_type IN ('transcription', 'summary', 'translation', 'action_items')),
      status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
      input jsonb NOT NULL DEFAULT '{}',
      output jsonb,
      error text,
      started_at timestamptz,
      completed_at timestamptz,${streamVersion},${timestamps},
      CONSTRAINT ai_tasks_failed_check CHECK (status <> 'failed' OR error IS NOT NULL)
    );
    CREATE INDEX ai_tasks_meeting_id_idx ON ai_tasks (meeting_id, task_type);
    CREATE INDEX ai_tasks_recording_id_idx ON ai_tasks (recording_id) WHERE recording_id IS NOT NULL;
    -- The work queue: small, as finished tasks leave it.
    CREATE INDEX ai_tasks_open_idx ON ai_tasks (created_at) WHERE status IN ('pending', 'running');
    ${touchUpdatedAt('ai_tasks')}`,
  down: 'DROP TABLE IF EXISTS ai_tasks;',
};

export const systemConfigs: SqlStep = {
  up: `
    CREATE TABLE system_configs (
      key text PRIMARY KEY CHECK (key <> ''),
      value jsonb NOT NULL,
      description text,
      updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
      deleted_at timestamptz,${streamVersion},${timestamps}
    );
    ${touchUpdatedAt('system_configs')}`,
  down: 'DROP TABLE IF EXISTS system_configs;',
};

/**
 * Audit trail, one row per event (fed from every stream, so no single stream version): the unique
 * event_id makes a second write of the same event a no-op with ON CONFLICT (event_id) DO NOTHING.
 * No foreign keys: the trail must outlive the rows it mentions, and resource_id is polymorphic.
 */
export const operationLogs: SqlStep = {
  up: `
    CREATE TABLE operation_logs (
      id bigserial PRIMARY KEY,
      event_id uuid NOT NULL,
      actor_user_id uuid,
      action text NOT NULL,
      resource_type text NOT NULL,
      resource_id text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}',
      correlation_id text,
      occurred_at timestamptz NOT NULL,${timestamps},
      CONSTRAINT operation_logs_event_id_key UNIQUE (event_id)
    );
    CREATE INDEX operation_logs_actor_idx ON operation_logs (actor_user_id, occurred_at);
    CREATE INDEX operation_logs_resource_idx ON operation_logs (resource_type, resource_id);
    CREATE INDEX operation_logs_correlation_id_idx ON operation_logs (correlation_id);
    ${touchUpdatedAt('operation_logs')}`,
  down: 'DROP TABLE IF EXISTS operation_logs;',
};
