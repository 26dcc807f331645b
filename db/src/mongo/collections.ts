import type { Db, IndexDescription } from 'mongodb';

/**
 * The analytics database's collections. The first three are the seed's (000: `ai_results`,
 * `chat_history`, `logs`); the others are this system's (README, "MongoDB analytics").
 */
export const MONGO_COLLECTIONS = {
  chatHistory: 'chat_history',
  aiResults: 'ai_results',
  logs: 'logs',
  meetingAnalytics: 'meeting_analytics',
  dailyAnalytics: 'daily_analytics',
  /** Users deleted (UserDeleted): results arriving later about them are stored without content. */
  erasedUsers: 'analytics_erased_users',
  /** The Mongo projections' checkpoints and generation markers. */
  checkpoints: 'projection_checkpoints',
} as const;

/** Indexes for the reads query-api does; named, so a second creation is a no-op. */
const INDEXES: Record<string, IndexDescription[]> = {
  [MONGO_COLLECTIONS.chatHistory]: [
    { key: { meeting_id: 1, timestamp: 1 }, name: 'chat_history_meeting_id_timestamp_idx' },
    { key: { sender_id: 1 }, name: 'chat_history_sender_id_idx' },
  ],
  [MONGO_COLLECTIONS.aiResults]: [
    { key: { meeting_id: 1, analysis_type: 1 }, name: 'ai_results_meeting_id_analysis_type_idx' },
    { key: { participant_id: 1 }, name: 'ai_results_participant_id_idx' },
    { key: { user_id: 1 }, name: 'ai_results_user_id_idx' },
  ],
  [MONGO_COLLECTIONS.logs]: [
    { key: { timestamp: -1 }, name: 'logs_timestamp_idx' },
    { key: { service: 1, level: 1, timestamp: -1 }, name: 'logs_service_level_timestamp_idx' },
  ],
  [MONGO_COLLECTIONS.meetingAnalytics]: [
    { key: { meeting_id: 1 }, name: 'meeting_analytics_meeting_id_idx' },
    { key: { day: 1 }, name: 'meeting_analytics_day_idx' },
  ],
  [MONGO_COLLECTIONS.dailyAnalytics]: [{ key: { day: 1 }, name: 'daily_analytics_day_idx' }],
};

/**
 * Creates the indexes at start; idempotent (createIndexes with the same name and keys is a
 * no-op). No index is unique: idempotency comes from derived `_id`s and version-filtered writes,
 * never from duplicate-key errors. With `renamed`, only the collections it names are indexed,
 * each under the name it maps to: a blue/green rebuild's generation collections, whose indexes
 * follow them when they are renamed over the live ones.
 */
export async function ensureMongoIndexes(db: Db, renamed?: Readonly<Record<string, string>>): Promise<void> {
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    const name = renamed ? renamed[collection] : collection;
    if (name) await db.collection(name).createIndexes(indexes);
  }
}
