import { AggregateNotFound, AlreadyExists, BusinessRuleViolation } from '../errors.js';
import { requireHost, requireMeeting, requireStatus } from '../meeting/rules.js';
import type { RequestAiTask } from './commands.js';
import type { AiTaskEvent, AiTaskState } from './state.js';

/**
 * An analysis is of something that happened: a meeting that started (running or ended, not
 * cancelled), or one of its recordings once stored (completed). A host asks, or an admin.
 */
export function requestAiTask(command: RequestAiTask, state: AiTaskState): AiTaskEvent[] {
  const { taskId, meetingId, taskType, priority, recordingId, actorRole } = command.data;
  // The id comes from the idempotency key (or is random): a second request with it is refused.
  if (state.status !== 'none') throw new AlreadyExists('ai-task-exists', 'This AI task already exists.');
  const meeting = requireMeeting(command.data.meeting);
  if (actorRole !== 'admin') requireHost(meeting, command.actorId);
  requireStatus(meeting, ['started', 'ended']);
  if (recordingId !== null) {
    const status = meeting.recordings.get(recordingId);
    if (status === undefined) {
      throw new AggregateNotFound('recording-not-found', 'This meeting has no recording with that id.');
    }
    if (status !== 'completed') {
      throw new BusinessRuleViolation(
        'recording-not-completed',
        'Only a completed recording can be analysed.',
      );
    }
  }
  return [
    {
      type: 'AiTaskRequested',
      data: { taskId, meetingId, recordingId, taskType, priority, requestedBy: command.actorId },
    },
  ];
}
