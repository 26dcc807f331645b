import { randomUUID } from 'node:crypto';
import { ensureMongoIndexes, MONGO_COLLECTIONS, mongoId } from '@meetings/db';
import type { Collection, Db } from '@meetings/db';
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
interface CheckpointDocument {
  projection: string;
  /** A random id per life of the projection's state: a database that lost it gets a new one. */
  generation: string;
  /** formatCheckpoint, '' before the first commit. */
  checkpoint: string;
  updated_at: Date;
}

const checkpointId = (projection: string) => mongoId(`checkpoint:${projection}`);

/**
 * MongoDB keeps the projection's checkpoint in `projection_checkpoints` (no multi-document
 * transactions are assumed: they need a replica set, and the test stand-in only fakes them), so,
 * as with Redis, the checkpoint is written after the effects, by compare-and-set on the
 * generation and the checkpoint this run last committed. A crash in between replays the batch,
 * which the projector's version guards make a no-op. Each commit first checks that fence too, and
 * every meeting document is written by compare-and-set on its stream versions, so a stale run
 * (another runner moved on, the database lost its data) stops at its next write instead of
 * writing over state it did not read.
 */
export class MongoTarget implements ProjectionTarget<MongoUnit> {
  private indexed = false;

  constructor(private readonly db: Db) {}

  private get collection() {
    return this.db.collection<CheckpointDocument>(MONGO_COLLECTIONS.checkpoints);
  }

  async open(projection: string): Promise<TargetRun<MongoUnit>> {
    // The indexes, once per process, before the first run: here rather than at the worker's start,
    // so a MongoDB that is away delays this projection only (the runner retries its open).
    if (!this.indexed) {
      await ensureMongoIndexes(this.db);
      this.indexed = true;
    }
    const _id = checkpointId(projection);
    // A missing document: a database that never held this projection, or lost it; a new
    // generation starts from the beginning of the log. Two runners opening at once agree on one.
    await this.collection.updateOne(
      { _id },
      {
        $setOnInsert: { projection, generation: randomUUID(), checkpoint: '', updated_at: new Date() },
      },
      { upsert: true },
    );
    const doc = await this.collection.findOne({ _id });
    if (!doc) throw new CheckpointConflict(projection, 'the checkpoint document vanished while opening');
    const checkpoint = doc.checkpoint ? parseCheckpoint(doc.checkpoint) : null;
    return new MongoRun(this.db, this.collection, projection, doc.generation, checkpoint);
  }

  async loadCheckpoint(projection: string): Promise<Checkpoint | null> {
    const doc = await this.collection.findOne({ _id: checkpointId(projection) });
    return doc?.checkpoint ? parseCheckpoint(doc.checkpoint) : null;
  }
}

class MongoRun implements TargetRun<MongoUnit> {
  constructor(
    private readonly db: Db,
    private readonly collection: Collection<CheckpointDocument>,
    private readonly projection: string,
    private readonly generation: string,
    public checkpoint: Checkpoint | null,
  ) {}

  async commit<T>(
    work: ((tx: MongoUnit) => Promise<T>) | null,
    to: Checkpoint | null,
  ): Promise<T | undefined> {
    const fence = {
      _id: checkpointId(this.projection),
      generation: this.generation,
      checkpoint: this.checkpoint ? formatCheckpoint(this.checkpoint) : '',
    };
    let result: T | undefined;
    if (work) {
      if (!(await this.collection.findOne(fence, { projection: { _id: 1 } }))) this.conflict();
      result = await work({ db: this.db, projection: this.projection });
    }
    if (to) {
      const saved = await this.collection.updateOne(fence, {
        $set: { checkpoint: formatCheckpoint(to), updated_at: new Date() },
      });
      if (saved.matchedCount === 0) this.conflict();
      this.checkpoint = to;
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
