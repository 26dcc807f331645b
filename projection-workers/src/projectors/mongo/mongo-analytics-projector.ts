import type { Db } from '@meetings/db';
import type { DecodedEvent, EventType } from '@meetings/events';
import type { MongoUnit } from '../../adapters/mongodb/mongo-target.js';
import type { Projector } from '../projector.js';
import { LIVE_ANALYTICS_COLLECTIONS } from './analytics-collections.js';
import type { AnalyticsCollections } from './analytics-collections.js';
import { refreshDailyRollups } from './daily-rollup.js';
import { aiResultDocuments, aiResultId, chatDocument, chatId, erasedUserId } from './documents.js';
import type { AiResultDocument, AiTaskCompleted, ChatHistoryDocument, ChatMessageSent } from './documents.js';
import { foldMeetingDocuments } from './meeting-documents.js';
import { MEETING_ANALYTICS_MEDIA_EVENTS, MEETING_ANALYTICS_MEETING_EVENTS } from './meeting-analytics.js';
import type { MeetingAnalyticsEvent } from './meeting-analytics.js';

export const MONGO_ANALYTICS_EVENT_TYPES = [
  ...MEETING_ANALYTICS_MEETING_EVENTS,
  ...MEETING_ANALYTICS_MEDIA_EVENTS,
  'AiTaskCompleted',
  'UserDeleted',
] as const satisfies readonly EventType[];

type UserDeleted = Extract<DecodedEvent, { type: 'UserDeleted' }>;
const analyticsTypes = new Set<string>([
  ...MEETING_ANALYTICS_MEETING_EVENTS,
  ...MEETING_ANALYTICS_MEDIA_EVENTS,
]);

/**
 * The MongoDB analytics (README, "MongoDB analytics"): chat_history, ai_results,
 * meeting_analytics (from a meeting's two streams, `meeting-<id>` and `media-<id>`, versioned
 * apart) and daily_analytics. Idempotent without unique indexes: derived `_id`s, documents that
 * never change written only on insert ($setOnInsert), meeting documents written by
 * compare-and-set on their per-stream versions, rollups recomputed from the meeting documents.
 *
 * Deleted users (UserDeleted): their chat text and the content of AI results about them are
 * erased (null, `erased: true`), and their id is remembered in analytics_erased_users so that a
 * result arriving later is stored erased. No names or emails are ever copied into MongoDB: the
 * documents carry ids, counts and times.
 *
 * It writes the collections it is given: the live ones by default, a rebuild's generation else.
 */
export class MongoAnalyticsProjector implements Projector<MongoUnit> {
  readonly name = 'mongo-analytics';
  readonly eventTypes = MONGO_ANALYTICS_EVENT_TYPES;

  constructor(private readonly collections: Readonly<AnalyticsCollections> = LIVE_ANALYTICS_COLLECTIONS) {}

  async apply({ db, projection }: MongoUnit, events: readonly DecodedEvent[]): Promise<void> {
    const names = this.collections;
    const deleted = events.filter((e): e is UserDeleted => e.type === 'UserDeleted');
    const chats = events.filter((e): e is ChatMessageSent => e.type === 'ChatMessageSent');
    const tasks = events.filter((e): e is AiTaskCompleted => e.type === 'AiTaskCompleted');
    // The erasures this batch makes count for the whole batch: the end state is the same as
    // applying it event by event (a message before the deletion is erased by it anyway).
    const erased = await erasedUsers(db, names, deleted, [
      ...chats.map((e) => e.data.senderId),
      ...tasks.flatMap((e) => e.data.results.map((r) => r.userId).filter((id): id is string => id !== null)),
    ]);
    await insertChats(db, names, chats, erased);
    await insertAiResults(db, names, tasks, erased);
    await eraseUsers(db, names, deleted);
    const meetingEvents = events.filter((e): e is MeetingAnalyticsEvent => analyticsTypes.has(e.type));
    const days = await foldMeetingDocuments(db, names.meetingAnalytics, projection, meetingEvents);
    await refreshDailyRollups(db, names, days);
  }
}

/** The users among `userIds` who are erased (before or by this batch). */
async function erasedUsers(
  db: Db,
  names: AnalyticsCollections,
  deleted: readonly UserDeleted[],
  userIds: string[],
): Promise<Set<string>> {
  const erased = new Set(deleted.map((e) => e.data.userId));
  const unknown = [...new Set(userIds)].filter((id) => !erased.has(id));
  if (unknown.length > 0) {
    const found = await db
      .collection<{ user_id: string }>(names.erasedUsers)
      .find({ _id: { $in: unknown.map(erasedUserId) } }, { projection: { user_id: 1 } })
      .toArray();
    for (const doc of found) erased.add(doc.user_id);
  }
  return erased;
}

async function insertChats(
  db: Db,
  names: AnalyticsCollections,
  chats: readonly ChatMessageSent[],
  erased: Set<string>,
): Promise<void> {
  const ops = chats.flatMap((event) => {
    const doc = chatDocument(event, erased.has(event.data.senderId));
    return doc
      ? [
          {
            updateOne: {
              filter: { _id: chatId(doc.message_id) },
              update: { $setOnInsert: doc },
              upsert: true,
            },
          },
        ]
      : [];
  });
  if (ops.length > 0) await db.collection<ChatHistoryDocument>(names.chatHistory).bulkWrite(ops);
}

async function insertAiResults(
  db: Db,
  names: AnalyticsCollections,
  tasks: readonly AiTaskCompleted[],
  erased: Set<string>,
): Promise<void> {
  const ops = tasks.flatMap((event) =>
    aiResultDocuments(event, (userId) => erased.has(userId)).map((doc) => ({
      updateOne: {
        filter: { _id: aiResultId(doc.task_id, doc.item) },
        update: { $setOnInsert: doc },
        upsert: true,
      },
    })),
  );
  if (ops.length > 0) await db.collection<AiResultDocument>(names.aiResults).bulkWrite(ops);
}

/** Remembers the deleted users and erases what was stored about them (idempotent). */
async function eraseUsers(
  db: Db,
  names: AnalyticsCollections,
  deleted: readonly UserDeleted[],
): Promise<void> {
  for (const event of deleted) {
    const userId = event.data.userId;
    await db
      .collection(names.erasedUsers)
      .updateOne(
        { _id: erasedUserId(userId) },
        { $setOnInsert: { user_id: userId, erased_at: event.occurredAt } },
        { upsert: true },
      );
    await db
      .collection(names.chatHistory)
      .updateMany({ sender_id: userId, erased: false }, { $set: { message: null, erased: true } });
    await db
      .collection(names.aiResults)
      .updateMany({ user_id: userId, erased: false }, { $set: { result: null, erased: true } });
  }
}
