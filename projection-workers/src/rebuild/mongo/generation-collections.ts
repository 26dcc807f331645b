import type { Db } from '@meetings/db';
import { LIVE_ANALYTICS_COLLECTIONS } from '../../projectors/mongo/analytics-collections.js';
import type { AnalyticsCollections } from '../../projectors/mongo/analytics-collections.js';

/**
 * The order the switch renames a generation's collections over the live ones. MongoDB renames one
 * collection atomically, never several together; each collection only moves forward (the
 * generation stands at or past the live checkpoint, which is paused), so a reader of one
 * collection never sees a document go missing. The erasure state and the collections carrying
 * erased content go first (a deletion the generation holds reaches readers soonest), the derived
 * daily_analytics last, after the meeting documents it is computed from.
 */
export const SWITCH_ORDER: readonly (keyof AnalyticsCollections)[] = [
  'erasedUsers',
  'chatHistory',
  'aiResults',
  'meetingAnalytics',
  'dailyAnalytics',
];

/** A generation's collections: `<live name>__gen_<generation>`. */
export function generationCollections(generation: string): AnalyticsCollections {
  const names = { ...LIVE_ANALYTICS_COLLECTIONS };
  for (const role of SWITCH_ORDER) names[role] = `${LIVE_ANALYTICS_COLLECTIONS[role]}__gen_${generation}`;
  return names;
}

/** Live name -> generation name, for ensureMongoIndexes. */
export const indexedAs = (names: AnalyticsCollections): Record<string, string> =>
  Object.fromEntries(SWITCH_ORDER.map((role) => [LIVE_ANALYTICS_COLLECTIONS[role], names[role]]));

/** Which of `names` exist (listed whole: the stand-in filters listCollections by exact name only). */
export async function existingCollections(db: Db, names: readonly string[]): Promise<Set<string>> {
  const listed = await db.listCollections({}, { nameOnly: true }).toArray();
  return new Set(listed.map((c) => c.name).filter((name) => names.includes(name)));
}

/** Creates the generation's collections, the empty ones too: each must exist to replace its live one. */
export async function createGenerationCollections(db: Db, names: AnalyticsCollections): Promise<void> {
  const all = SWITCH_ORDER.map((role) => names[role]);
  const existing = await existingCollections(db, all);
  for (const name of all) if (!existing.has(name)) await db.createCollection(name);
}

/**
 * Renames each generation collection still there over its live one. `dropTarget` drops the live
 * collection in the same atomic step: readers see the old documents or the new, never none.
 */
export async function renameOverLive(db: Db, names: AnalyticsCollections): Promise<void> {
  const existing = await existingCollections(
    db,
    SWITCH_ORDER.map((role) => names[role]),
  );
  for (const role of SWITCH_ORDER) {
    if (!existing.has(names[role])) continue; // renamed by the attempt a crash interrupted
    await db.renameCollection(names[role], LIVE_ANALYTICS_COLLECTIONS[role], { dropTarget: true });
  }
}
