import type { AiResult, AiTaskType, DecodedEvent } from '@meetings/events';

/** What an analysis is asked to do: the task as requested. */
export interface AnalysisTask {
  taskId: string;
  meetingId: string;
  taskType: AiTaskType;
  /** A completed recording of the meeting; null: the whole meeting. */
  recordingId: string | null;
}

/** Where an analysis reads the meeting from: the event store's streams, oldest event first. */
export interface MeetingHistory {
  /** `meeting-<meetingId>`: life, participants, recordings, chat. */
  meetingEvents(meetingId: string): Promise<DecodedEvent[]>;
  /** `media-<meetingId>`: published streams, quality and speaking samples of the SFU. */
  mediaEvents(meetingId: string): Promise<DecodedEvent[]>;
}

export interface AnalysisContext {
  history: MeetingHistory;
  signal?: AbortSignal;
}

/**
 * One kind of analysis. A real model (a transcription or summary service) plugs in as another
 * implementation registered for its task type; the queue, retries and results stay the same.
 * A thrown error is a failed attempt (retried up to AI_TASK_MAX_ATTEMPTS).
 */
export interface Analysis {
  readonly type: AiTaskType;
  run(task: AnalysisTask, context: AnalysisContext): Promise<AiResult[]>;
}

/** An error an analysis raises on purpose; its message is recorded as the attempt's error. */
export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';
}
