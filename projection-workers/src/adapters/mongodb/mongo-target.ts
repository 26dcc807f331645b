import { randomUUID } from 'node:crypto';
import { ensureMongoIndexes, MONGO_COLLECTIONS, mongoId } from '@meetings/db';
import type { Collection, Db, ObjectId } from '@meetings/db';
import { formatCheckpoint, parseCheckpoint } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import type { ProjectionTarget, TargetRun } from '../../ports/checkpoint-store.js';

/** What a Mongo projector writes through. */
export interface MongoUnit {
  db: Db;
  /** The projection, for the CheckpointConflict a projector throws when a document moved under it. */
  projection: string;
}

/** A `projection_checkpoints` document. */
export interface CheckpointDocument {
  projection: string;
  /** A random id per life of the projection's state: a database that lost it gets a new one. */
  generation: string;
  /** formatCheckpoint, '' before the first commit. */
  checkpoint: string;
  updated_at: Date;
  /**
   * The run applying a batch now, and until when that claim holds (a crashed run's lapses): a
   * rebuild switches collections only between two batches (rebuild/mongo/live-pause.ts).
   */
  writer?: string | null;
  writing_until?: Date | null;
  /** A rebuild is renaming the collections: no run opens before then. */
  paused_until?: Date | null;
}

export interface MongoTargetOptions {
  /** The name a projection's checkpoint is kept under (default its own): a rebuild keeps its generation's apart. */
  checkpointName?: (projection: string) => string;
  /** Whether the first open creates the live collections' indexes (default true). */
  ensureIndexes?: boolean;
}

/** How long a run's claim on the batch it applies holds: far longer than a batch takes. */
export const WRITE_CLAIM_MS = 60_000;

export const checkpointId = (projection: string) => mongoId(`checkpoint:${projection}`);

export const checkpointCollection = (db: Db) =>
  db.collection<CheckpointDocument>(MONGO_COLLECTIONS.checkpoints);

/**
 * MongoDB keeps the projection's checkpoint in `projection_checkpoints` (no multi-document
 * transactions are assumed: they need a replica set, and the test stand-in only fakes them), so,
 * as with Redis, the checkpoint is written after the effects, by compare-and-set on the
 * generation and the checkpoint this run last committed. A crash in between replays the batch,
 * which the projector's version guards make a no-op. Each commit first checks that fence too, and
 * every meeting document is written by compare-and-set on its stream versions, so a stale run
 * (another runner moved on, the database lost its data) stops at its next write instead of
 * writing over state it did not read. That check also claims the batch (`writer`) until its
 * checkpoint is written, so that a rebuild renames the collections only between two batches.
 */
export class MongoTarget implements ProjectionTarget<MongoUnit> {
  private indexed: boolean;
  private readonly checkpointName: (projection: string) => string;

  constructor(
    private readonly db: Db,
    options: MongoTargetOptions = {},
  ) {
    this.indexed = options.ensureIndexes === false;
    this.checkpointName = options.checkpointName ?? ((projection) => projection);
  }

  async open(projection: string): Promise<TargetRun<MongoUnit>> {
    // The indexes, once per process, before the first run: here rather than at the worker's start,
    // so a MongoDB that is away delays this projection only (the runner retries its open).
    if (!this.indexed) {
      await ensureMongoIndexes(this.db);
      this.indexed = true;
    }
    const collection = checkpointCollection(this.db);
    const _id = checkpointId(this.checkpointName(projection));
    // A missing document: a database that never held this projection, or lost it; a new
    // generation starts from the beginning of the log. Two runners opening at once agree on one.
    await collection.updateOne(
      { _id },
      {
        $setOnInsert: {
          projection: this.checkpointName(projection),
          generation: randomUUID(),
          checkpoint: '',
          updated_at: new Date(),
        },
      },
      { upsert: true },
    );
    const doc = await collection.findOne({ _id });
    if (!doc) throw new CheckpointConflict(projection, 'the checkpoint document vanished while opening');
    // The pause also changed the generation, so a run opened just before it is fenced as well.
    if (doc.paused_until && doc.paused_until.getTime() > Date.now()) {
      throw new CheckpointConflict(
        projection,
        `a rebuild is switching its collections (paused until ${doc.paused_until.toISOString()})`,
      );
    }
    const checkpoint = doc.checkpoint ? parseCheckpoint(doc.checkpoint) : null;
    return new MongoRun(this.db, collection, projection, _id, doc.generation, checkpoint);
  }

  async loadCheckpoint(projection: string): Promise<Checkpoint | null> {
    const doc = await checkpointCollection(this.db).findOne({
      _id: checkpointId(this.checkpointName(projection)),
    });
    return doc?.checkpoint ? parseCheckpoint(doc.checkpoint) : null;
  }
}

class MongoRun implements TargetRun<MongoUnit> {
  /** This run's name in `writer`. */
  private readonly runId = randomUUID();

  constructor(
    private readonly db: Db,
    private readonly collection: Collection<CheckpointDocument>,
    private readonly projection: string,
    private readonly id: ObjectId,
    private readonly generation: string,
    public checkpoint: Checkpoint | null,
  ) {}

  async commit<T>(
    work: ((tx: MongoUnit) => Promise<T>) | null,
    to: Checkpoint | null,
  ): Promise<T | undefined> {
    const fence = {
      _id: this.id,
      generation: this.generation,
      checkpoint: this.checkpoint ? formatCheckpoint(this.checkpoint) : '',
    };
    const mine = { ...fence, writer: this.runId };
    let result: T | undefined;
    if (work) {
      const claimed = await this.collection.updateOne(fence, {
        $set: { writer: this.runId, writing_until: new Date(Date.now() + WRITE_CLAIM_MS) },
      });
      if (claimed.matchedCount === 0) this.conflict();
      try {
        result = await work({ db: this.db, projection: this.projection });
      } catch (error) {
        await this.collection.updateOne(mine, { $set: released }).catch(() => undefined);
        throw error;
      }
    }
    if (to) {
      const saved = await this.collection.updateOne(work ? mine : fence, {
        $set: { checkpoint: formatCheckpoint(to), updated_at: new Date(), ...(work ? released : {}) },
      });
      if (saved.matchedCount === 0) this.conflict();
      this.checkpoint = to;
    } else if (work) {
      await this.collection.updateOne(mine, { $set: released });
    }
    return result;
  }

  private conflict(): never {
    throw new CheckpointConflict(
      this.projection,
      'the stored checkpoint is not the one this run committed (another runner, or the database lost it)',
    );
  }
}

const released = { writer: null, writing_until: null };
