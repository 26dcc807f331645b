import { randomUUID } from 'node:crypto';
import type { Db } from '@meetings/db';
import { formatCheckpoint, parseCheckpoint } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import { checkpointCollection, checkpointId, WRITE_CLAIM_MS } from '../../adapters/mongodb/mongo-target.js';
import { sleep } from '../../runner/sleep.js';

/** How long a pause keeps the live run from opening; the switch renews it before renaming. */
export const PAUSE_MS = 30_000;

/** The live run is paused: `token` is the generation the pause set in its checkpoint document. */
export interface LivePause {
  token: string;
  /** The live checkpoint string as paused ('' before its first commit). */
  checkpoint: string;
}

/** The live run could not be paused, or took its document back while paused (the pause lapsed). */
export class LivePauseLost extends Error {
  override readonly name = 'LivePauseLost';
}

const free = () => ({ $or: [{ writer: null }, { writing_until: { $lt: new Date() } }] });

/**
 * Pauses the live run between two of its batches: a compare-and-set on its checkpoint document,
 * refused while a batch holds its claim (MongoTarget), that changes the generation (the run's next
 * write is refused) and sets `paused_until` (no run opens before then). Waits out a batch under
 * way; a crashed run's claim lapses after WRITE_CLAIM_MS.
 */
export async function pauseLiveRun(db: Db, projection: string): Promise<LivePause> {
  const checkpoints = checkpointCollection(db);
  const _id = checkpointId(projection);
  // A projection that never ran gets its document as its first open would make it.
  await checkpoints.updateOne(
    { _id },
    { $setOnInsert: { projection, generation: randomUUID(), checkpoint: '', updated_at: new Date() } },
    { upsert: true },
  );
  const deadline = Date.now() + WRITE_CLAIM_MS + 5_000;
  while (Date.now() < deadline) {
    const doc = await checkpoints.findOne({ _id });
    if (doc) {
      const pause = { token: randomUUID(), checkpoint: doc.checkpoint };
      const set = await checkpoints.updateOne(
        { _id, generation: doc.generation, checkpoint: doc.checkpoint, ...free() },
        { $set: { generation: pause.token, paused_until: new Date(Date.now() + PAUSE_MS) } },
      );
      if (set.matchedCount === 1) return pause;
    }
    await sleep(10);
  }
  throw new LivePauseLost(`${projection}: the live run kept a batch under way; not switched`);
}

/**
 * Extends the pause, with a new token: a run that opened after a lapse is fenced again. Refused
 * when that run has moved the checkpoint or is applying a batch.
 */
export async function renewPause(db: Db, projection: string, pause: LivePause): Promise<LivePause> {
  const renewed = { token: randomUUID(), checkpoint: pause.checkpoint };
  const set = await checkpointCollection(db).updateOne(
    { _id: checkpointId(projection), generation: pause.token, checkpoint: pause.checkpoint, ...free() },
    { $set: { generation: renewed.token, paused_until: new Date(Date.now() + PAUSE_MS) } },
  );
  if (set.matchedCount === 0)
    throw new LivePauseLost(`${projection}: the pause lapsed and the live run went on`);
  return renewed;
}

/**
 * Ends the pause: the live run reopens from `at` (the generation's checkpoint) under a new life id.
 * Not a compare-and-set: whatever a run did after a lapse, the collections now hold at least `at`,
 * and applying again from there is a no-op the projector guards against.
 */
export async function releaseLiveRun(db: Db, projection: string, at: Checkpoint, generation: string) {
  await checkpointCollection(db).updateOne(
    { _id: checkpointId(projection) },
    {
      $set: {
        generation,
        checkpoint: formatCheckpoint(at),
        updated_at: new Date(),
        paused_until: null,
        writer: null,
        writing_until: null,
      },
    },
  );
}

export async function liveGeneration(db: Db, projection: string): Promise<string | null> {
  const doc = await checkpointCollection(db).findOne({ _id: checkpointId(projection) });
  return doc?.generation ?? null;
}

export const pausedAt = (pause: LivePause): Checkpoint | null =>
  pause.checkpoint ? parseCheckpoint(pause.checkpoint) : null;
