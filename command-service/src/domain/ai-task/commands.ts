import type { AiResult, AiTaskType } from '@meetings/events';
import type { DomainCommand } from '../decider.js';
import type { MeetingState } from '../meeting/state.js';

/**
 * A host (or an admin) asks for an analysis. The meeting's state is loaded by the caller and passed
 * in, so the rules about the meeting and its recordings stay in this pure decision.
 */
export type RequestAiTask = DomainCommand<
  'RequestAiTask',
  {
    taskId: string;
    meetingId: string;
    taskType: AiTaskType;
    priority: number;
    recordingId: string | null;
    actorRole: 'user' | 'admin';
    meeting: MeetingState;
  }
>;

/** Issued by AI workers (`actorId` is `ai-worker:<workerId>`, trusted by the transport). */
export type StartAiTask = DomainCommand<'StartAiTask', { taskId: string; workerId: string }>;
export type CompleteAiTask = DomainCommand<
  'CompleteAiTask',
  { taskId: string; attempt: number; results: AiResult[] }
>;
export type FailAiTaskAttempt = DomainCommand<
  'FailAiTaskAttempt',
  { taskId: string; attempt: number; error: string }
>;
/** After the last attempt: the task goes to the dead letters and is `failed` for good. */
export type GiveUpAiTask = DomainCommand<'GiveUpAiTask', { taskId: string }>;

export type AiTaskCommand = RequestAiTask | StartAiTask | CompleteAiTask | FailAiTaskAttempt | GiveUpAiTask;
