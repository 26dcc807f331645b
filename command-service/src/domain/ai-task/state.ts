import type { AiTaskType, DomainEventOf, aiTaskEventSchemas } from '@meetings/events';

/** The events of an `aitask-<taskId>` stream. */
export type AiTaskEvent = DomainEventOf<keyof typeof aiTaskEventSchemas>;

/**
 * `pending`: requested, or its last attempt failed and another may follow; `running`: an attempt
 * started and has no outcome yet (its worker may have died: the next start says so);
 * `completed` and `failed` are final.
 */
export type AiTaskStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface AiTask {
  readonly status: AiTaskStatus;
  readonly taskId: string;
  readonly meetingId: string;
  readonly taskType: AiTaskType;
  /** The recording analysed; null: the whole meeting. */
  readonly recordingId: string | null;
  /** Attempts started so far; the running one, when `running`, is this number. */
  readonly attempts: number;
  readonly lastError: string | null;
}

export type AiTaskState = { readonly status: 'none' } | AiTask;

export const initialAiTaskState = (): AiTaskState => ({ status: 'none' });

export const aiTaskExists = (state: AiTaskState): state is AiTask => state.status !== 'none';

export const isSettled = (state: AiTaskState): boolean =>
  state.status === 'completed' || state.status === 'failed';
