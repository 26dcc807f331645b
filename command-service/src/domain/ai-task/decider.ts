import type { Decider } from '../decider.js';
import type { AiTaskCommand } from './commands.js';
import { requestAiTask } from './decide-request.js';
import { completeAiTask, failAiTaskAttempt, giveUpAiTask, startAiTask } from './decide-work.js';
import type { AiTaskEvent, AiTaskState } from './state.js';
import { initialAiTaskState } from './state.js';

export function decide(command: AiTaskCommand, state: AiTaskState): AiTaskEvent[] {
  switch (command.type) {
    case 'RequestAiTask':
      return requestAiTask(command, state);
    case 'StartAiTask':
      return startAiTask(command, state);
    case 'CompleteAiTask':
      return completeAiTask(command, state);
    case 'FailAiTaskAttempt':
      return failAiTaskAttempt(command, state);
    case 'GiveUpAiTask':
      return giveUpAiTask(command, state);
  }
}

export function evolve(state: AiTaskState, event: AiTaskEvent): AiTaskState {
  if (event.type === 'AiTaskRequested') {
    const { taskId, meetingId, taskType, recordingId } = event.data;
    return { status: 'pending', taskId, meetingId, taskType, recordingId, attempts: 0, lastError: null };
  }
  if (state.status === 'none') return state; // a stream always opens with AiTaskRequested
  switch (event.type) {
    case 'AiTaskStarted':
      return { ...state, status: 'running', attempts: event.data.attempt };
    case 'AiTaskAttemptFailed':
      return { ...state, status: 'pending', lastError: event.data.error };
    case 'AiTaskCompleted':
      return { ...state, status: 'completed' };
    case 'AiTaskFailed':
      return { ...state, status: 'failed', lastError: event.data.error };
  }
}

/** The `aitask-<taskId>` stream's decider: one stream per task, apart from its meeting's. */
export const aiTaskDecider: Decider<AiTaskCommand, AiTaskState, AiTaskEvent> = {
  initialState: initialAiTaskState,
  decide,
  evolve,
};
