import { AiTaskPriority, AiTaskType, Id, streams } from '@meetings/events';
import { z } from 'zod';
import type { CommandHandler } from '../../application/command-handler.js';
import { newId } from '../../application/request-context.js';
import { aiTaskDecider, meetingDecider } from '../../domain/index.js';
import { route } from '../route-spec.js';
import type { RouteSpec } from '../route-spec.js';
import { answer, CommandAnswer } from './command-answer.js';
import { MeetingParams } from './meeting-routes.js';

export const RequestAiTaskBody = z
  .object({
    taskType: AiTaskType,
    /** 0 (lowest) to 9; the queue hands out higher priorities first. */
    priority: AiTaskPriority.default(5),
    /** A completed recording of the meeting, when the analysis is about it. */
    recordingId: Id.nullable().default(null),
  })
  .strict();

/**
 * AI analyses of a meeting (`aitask-<taskId>`, one stream per task). The meeting is read here and
 * its state handed to the decider, which holds every rule; the task's id comes from the
 * idempotency key, so a retried request names the same task and appends nothing more.
 */
export function aiTaskRoutes(commands: CommandHandler): RouteSpec[] {
  return [
    route({
      operationId: 'requestAiTask',
      method: 'post',
      path: '/meetings/:meetingId/ai-tasks',
      summary:
        'Ask for an AI analysis of a started or ended meeting, or of one of its completed recordings (hosts and admins)',
      tag: 'ai-tasks',
      auth: true,
      ifMatch: false,
      params: MeetingParams,
      body: RequestAiTaskBody,
      success: {
        status: 201,
        description: 'Requested: the task is pending until a worker takes it',
        schema: CommandAnswer.extend({ taskId: Id }),
      },
      errors: [403, 404, 409],
      handle: async ({ params, body, ctx, session }) => {
        const taskId = newId(ctx, 'ai-task');
        const meeting = await commands.load(meetingDecider, streams.meeting(params.meetingId));
        const outcome = await commands.handle(
          aiTaskDecider,
          streams.aiTask(taskId),
          {
            type: 'RequestAiTask',
            data: {
              taskId,
              meetingId: params.meetingId,
              taskType: body.taskType,
              priority: body.priority,
              recordingId: body.recordingId,
              actorRole: session!.role,
              meeting: meeting.state,
            },
            actorId: session!.userId,
            now: ctx.now,
          },
          ctx,
        );
        return answer(outcome, 201, { taskId }, `/ai-tasks/${taskId}`);
      },
    }),
  ];
}
