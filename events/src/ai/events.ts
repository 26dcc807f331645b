import { z } from 'zod';
import { Id } from '../common.js';

/**
 * Analyses that run on this system without a model download. The seed's `ai_tasks.task_type`
 * examples (transcription, summary…) need a model; a worker for them plugs into the same queue.
 */
export const AiTaskType = z.enum(['speaking_time', 'emotion_detection']);
export type AiTaskType = z.infer<typeof AiTaskType>;

/** 0 (lowest) to 9: the order a dispatcher hands pending tasks out in. */
export const AiTaskPriority = z.number().int().min(0).max(9);

/** One result of a task, as the seed's `ai_results` document holds it (per participant or per meeting). */
export const AiResult = z.object({
  /** The user the result is about; null for a meeting-wide result. */
  userId: Id.nullable(),
  /** The seed's `analysis_type`, e.g. `speaking_time`, `emotion_detection`. */
  analysisType: z.string().min(1).max(100),
  result: z.record(z.string(), z.unknown()),
});
export type AiResult = z.infer<typeof AiResult>;

/** Events of `aitask-<taskId>`: one stream per task, so attempts and outcomes never race a meeting. */
export const aiTaskEventSchemas = {
  AiTaskRequested: z.object({
    taskId: Id,
    meetingId: Id,
    /** The recording analysed, when the task is about one. */
    recordingId: Id.nullable(),
    taskType: AiTaskType,
    priority: AiTaskPriority,
    requestedBy: Id,
  }),
  AiTaskStarted: z.object({ taskId: Id, attempt: z.number().int().positive(), workerId: z.string().min(1) }),
  AiTaskAttemptFailed: z.object({
    taskId: Id,
    attempt: z.number().int().positive(),
    error: z.string().max(2000),
  }),
  AiTaskCompleted: z.object({
    taskId: Id,
    meetingId: Id,
    taskType: AiTaskType,
    results: z.array(AiResult).max(10_000),
  }),
  /** After the last attempt failed; the task went to the dead-letter topic. */
  AiTaskFailed: z.object({ taskId: Id, attempts: z.number().int().positive(), error: z.string().max(2000) }),
} as const;
