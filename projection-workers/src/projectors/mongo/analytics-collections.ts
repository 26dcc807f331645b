import { MONGO_COLLECTIONS } from '@meetings/db';

/**
 * The collections the mongo-analytics projection writes, by role. The live run writes the seed's
 * names, which query-api reads; a blue/green rebuild builds a generation under names of its own
 * (rebuild/mongo) and renames them over these at its switch.
 */
export interface AnalyticsCollections {
  chatHistory: string;
  aiResults: string;
  meetingAnalytics: string;
  dailyAnalytics: string;
  /** Projector state (who is erased), not read by query-api, but rebuilt and switched with the rest. */
  erasedUsers: string;
}

export const LIVE_ANALYTICS_COLLECTIONS: Readonly<AnalyticsCollections> = Object.freeze({
  chatHistory: MONGO_COLLECTIONS.chatHistory,
  aiResults: MONGO_COLLECTIONS.aiResults,
  meetingAnalytics: MONGO_COLLECTIONS.meetingAnalytics,
  dailyAnalytics: MONGO_COLLECTIONS.dailyAnalytics,
  erasedUsers: MONGO_COLLECTIONS.erasedUsers,
});
