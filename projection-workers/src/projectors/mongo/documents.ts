import { mongoId, participantId } from '@meetings/db';
import type { DecodedEvent } from '@meetings/events';

export type ChatMessageSent = Extract<DecodedEvent, { type: 'ChatMessageSent' }>;
export type AiTaskCompleted = Extract<DecodedEvent, { type: 'AiTaskCompleted' }>;

/**
 * A `chat_history` document: the seed's fields (meeting_id, sender_id, message, timestamp) and
 * created_at, both the event's time. Only messages to everyone are copied: a private message
 * (a recipient) stays in signaling_messages, whose reads only its two ends get. `message` is
 * null and `erased` true once the sender deleted their account.
 */
export interface ChatHistoryDocument {
  message_id: string;
  meeting_id: string;
  sender_id: string;
  message: string | null;
  timestamp: Date;
  created_at: Date;
  erased: boolean;
}

/** An `ai_results` document: one per result item of a completed task. */
export interface AiResultDocument {
  task_id: string;
  /** The item's position in the task's results: with task_id, its key. */
  item: number;
  meeting_id: string;
  /** The seed's participant id of (meeting, user), null for a meeting-wide result. */
  participant_id: string | null;
  user_id: string | null;
  analysis_type: string;
  /** null (and `erased` true) once the user it is about deleted their account. */
  result: Record<string, unknown> | null;
  created_at: Date;
  erased: boolean;
}

export const chatId = (messageId: string) => mongoId(`chat:${messageId}`);
export const aiResultId = (taskId: string, item: number) => mongoId(`ai-result:${taskId}:${item}`);
export const meetingAnalyticsId = (meetingId: string) => mongoId(`meeting:${meetingId}`);
export const dailyAnalyticsId = (day: string) => mongoId(`day:${day}`);
export const erasedUserId = (userId: string) => mongoId(`erased-user:${userId}`);

export function chatDocument(event: ChatMessageSent, erased: boolean): ChatHistoryDocument | null {
  if (event.data.recipientId !== null) return null;
  return {
    message_id: event.data.messageId,
    meeting_id: event.data.meetingId,
    sender_id: event.data.senderId,
    message: erased ? null : event.data.text,
    timestamp: event.occurredAt,
    created_at: event.occurredAt,
    erased,
  };
}

export function aiResultDocuments(
  event: AiTaskCompleted,
  isErased: (userId: string) => boolean,
): AiResultDocument[] {
  return event.data.results.map((item, index) => {
    const erased = item.userId !== null && isErased(item.userId);
    return {
      task_id: event.data.taskId,
      item: index,
      meeting_id: event.data.meetingId,
      participant_id: item.userId === null ? null : participantId(event.data.meetingId, item.userId),
      user_id: item.userId,
      analysis_type: item.analysisType,
      result: erased ? null : item.result,
      created_at: event.occurredAt,
      erased,
    };
  });
}
