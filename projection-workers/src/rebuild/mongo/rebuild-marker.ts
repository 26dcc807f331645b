import { randomBytes } from 'node:crypto';
import { MONGO_COLLECTIONS, mongoId } from '@meetings/db';
import type { Db } from '@meetings/db';
import { checkpointCollection, checkpointId } from '../../adapters/mongodb/mongo-target.js';

/**
 * The rebuild under way of a Mongo projection, kept beside the checkpoints so that a rebuild run
 * again (after a SIGKILL, an abort) continues the same generation.
 */
export interface RebuildMarker {
  rebuild_of: string;
  /** The generation's short id: part of its collection names and of its checkpoint's name. */
  generation: string;
  /** 'indexed' once the bulk load is done and the indexes made. */
  phase: 'loading' | 'indexed';
  started_at: Date;
  /** Set before the first rename: where the generation stood and the live run's next life id. */
  switching: { at: string; released_generation: string } | null;
}

const markerId = (projection: string) => mongoId(`rebuild:${projection}`);
const markers = (db: Db) => db.collection<RebuildMarker>(MONGO_COLLECTIONS.checkpoints);

export const generationRunName = (projection: string, generation: string) => `${projection}@${generation}`;

export async function loadMarker(db: Db, projection: string): Promise<RebuildMarker | null> {
  return markers(db).findOne({ _id: markerId(projection) }, { projection: { _id: 0 } });
}

export async function startMarker(db: Db, projection: string): Promise<RebuildMarker> {
  const marker: RebuildMarker = {
    rebuild_of: projection,
    generation: randomBytes(4).toString('hex'),
    phase: 'loading',
    started_at: new Date(),
    switching: null,
  };
  await markers(db).updateOne({ _id: markerId(projection) }, { $setOnInsert: marker }, { upsert: true });
  return marker;
}

export async function updateMarker(
  db: Db,
  projection: string,
  set: Partial<Pick<RebuildMarker, 'phase' | 'switching'>>,
): Promise<void> {
  await markers(db).updateOne({ _id: markerId(projection) }, { $set: set });
}

/** Forgets the rebuild and its generation's checkpoint (after the switch). */
export async function finishMarker(db: Db, projection: string, generation: string): Promise<void> {
  await checkpointCollection(db).deleteOne({ _id: checkpointId(generationRunName(projection, generation)) });
  await markers(db).deleteOne({ _id: markerId(projection) });
}
