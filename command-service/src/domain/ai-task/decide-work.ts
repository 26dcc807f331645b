import { AggregateNotFound, BusinessRuleViolation } from '../errors.js';
import type { CompleteAiTask, FailAiTaskAttempt, GiveUpAiTask, StartAiTask } from './commands.js';
import type { AiTask, AiTaskEvent, AiTaskState } from './state.js';
import { aiTaskExists } from './state.js';

/** What an attempt that never reported is recorded as, once another worker takes the task over. */
export const ABANDONED_ATTEMPT = 'The worker stopped before the attempt finished.';

function requireOpenTask(state: AiTaskState): AiTask {
  if (!aiTaskExists(state)) throw new AggregateNotFound('ai-task-not-found', 'This AI task does not exist.');
  if (state.status === 'completed' || state.status === 'failed') {
    throw new BusinessRuleViolation('ai-task-finished', `The AI task has already ${state.status}.`);
  }
  return state;
}

/** Only the attempt running now may report: a late report of an earlier one is refused. */
function requireRunningAttempt(state: AiTaskState, attempt: number): AiTask {
  const task = requireOpenTask(state);
  if (task.status !== 'running' || task.attempts !== attempt) {
    throw new BusinessRuleViolation('ai-task-attempt-not-running', `Attempt ${attempt} is not running.`);
  }
  return task;
}

/** An attempt still `running` when another starts was abandoned (its worker died): say so first. */
const abandoned = (task: AiTask): AiTaskEvent[] =>
  task.status === 'running'
    ? [
        {
          type: 'AiTaskAttemptFailed',
          data: { taskId: task.taskId, attempt: task.attempts, error: ABANDONED_ATTEMPT },
        },
      ]
    : [];

export function startAiTask(command: StartAiTask, state: AiTaskState): AiTaskEvent[] {
  const task = requireOpenTask(state);
  const { taskId, workerId } = command.data;
  return [
    ...abandoned(task),
    { type: 'AiTaskStarted', data: { taskId, attempt: task.attempts + 1, workerId } },
  ];
}

export function completeAiTask(command: CompleteAiTask, state: AiTaskState): AiTaskEvent[] {
  const task = requireRunningAttempt(state, command.data.attempt);
  const { taskId, results } = command.data;
  return [
    {
      type: 'AiTaskCompleted',
      data: { taskId, meetingId: task.meetingId, taskType: task.taskType, results },
    },
  ];
}

export function failAiTaskAttempt(command: FailAiTaskAttempt, state: AiTaskState): AiTaskEvent[] {
  requireRunningAttempt(state, command.data.attempt);
  const { taskId, attempt, error } = command.data;
  return [{ type: 'AiTaskAttemptFailed', data: { taskId, attempt, error } }];
}

/** The task fails with the last attempt's error; a task never attempted cannot give up. */
export function giveUpAiTask(command: GiveUpAiTask, state: AiTaskState): AiTaskEvent[] {
  const task = requireOpenTask(state);
  if (task.attempts === 0) {
    throw new BusinessRuleViolation('ai-task-not-attempted', 'The AI task has not been attempted yet.');
  }
  const error = task.status === 'running' ? ABANDONED_ATTEMPT : (task.lastError ?? ABANDONED_ATTEMPT);
  return [
    ...abandoned(task),
    { type: 'AiTaskFailed', data: { taskId: command.data.taskId, attempts: task.attempts, error } },
  ];
}
