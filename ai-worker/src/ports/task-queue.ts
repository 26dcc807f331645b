import { AiTaskType, Id } from '@meetings/events';
import { z } from 'zod';

/**
 * A message of `meeting.tasks`: which task to run. Everything else is read from the task's stream,
 * so a stale or forged message can at worst make a worker look at a task that is already settled.
 */
export const TaskMessage = z.object({
  taskId: Id,
  meetingId: Id,
  taskType: AiTaskType,
  priority: z.number().int().min(0).max(9),
});
export type TaskMessage = z.infer<typeof TaskMessage>;

/** What became of a delivered message (see TaskRunner.process). */
export type Outcome = 'completed' | 'failed' | 'settled' | 'taken' | 'missing';
