import { problems } from '@meetings/command-service/http';
import { z } from 'zod';
import { allowedResults, resultsOnlyAbout } from '../../read/ai-result-audience.js';
import { AI_TASKS_LISTED, AiTask } from '../../read/ai-tasks-reader.js';
import type { AiTasksReader } from '../../read/ai-tasks-reader.js';
import { itemsOf } from '../../read/models.js';
import type { MeetingsReader } from '../../read/meetings-reader.js';
import { MeetingParams, NoQuery, Uuid } from '../query-params.js';
import { queryRoute } from '../route-spec.js';
import type { QueryRoute } from '../route-spec.js';
import { meetingNotFound } from './meeting-routes.js';

const TaskParams = z.object({ taskId: Uuid });

/**
 * AI tasks, visible to whoever may see the meeting (a hidden one is a 404); their results about a
 * person only to that person, the meeting's hosts and admins (ai-result-audience.ts).
 */
export function aiTaskRoutes(meetings: MeetingsReader, tasks: AiTasksReader): QueryRoute[] {
  return [
    queryRoute({
      operationId: 'listAiTasks',
      path: '/meetings/:meetingId/ai-tasks',
      summary: `The AI tasks of a meeting with their results, newest first (at most ${AI_TASKS_LISTED})`,
      tag: 'ai-tasks',
      params: MeetingParams,
      query: NoQuery,
      projections: ['meetings', 'meeting-access', 'ai-tasks'],
      success: { description: 'The AI tasks', schema: itemsOf(AiTask, 'AiTaskList') },
      errors: [404],
      handle: async ({ params, viewer }) => {
        if (!(await meetings.isVisible(viewer, params.meetingId))) throw meetingNotFound(params.meetingId);
        const onlyAbout = await resultsOnlyAbout(viewer, params.meetingId, meetings);
        const items = await tasks.ofMeeting(params.meetingId);
        return { items: items.map((t) => withAllowedResults(t, onlyAbout)) };
      },
    }),
    queryRoute({
      operationId: 'getAiTask',
      path: '/ai-tasks/:taskId',
      summary: 'An AI task with its status and, once completed, its results',
      tag: 'ai-tasks',
      params: TaskParams,
      query: NoQuery,
      projections: ['meetings', 'meeting-access', 'ai-tasks'],
      success: { description: 'The AI task', schema: AiTask },
      errors: [404],
      handle: async ({ params, viewer }) => {
        const task = await tasks.get(viewer, params.taskId);
        if (!task)
          throw problems.notFound(`no AI task ${params.taskId} that you may see`, 'ai-task-not-found');
        return withAllowedResults(task, await resultsOnlyAbout(viewer, task.meetingId, meetings));
      },
    }),
  ];
}

function withAllowedResults(task: AiTask, onlyAbout: string | null): AiTask {
  return task.results ? { ...task, results: allowedResults(task.results, onlyAbout) } : task;
}
