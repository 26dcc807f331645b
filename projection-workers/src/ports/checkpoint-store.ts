import type { Checkpoint } from '@meetings/events';

/** Where a projection remembers how far it has read, written in the same unit of work as its effects. */
export interface ProjectionTarget<Tx> {
  /** Runs `work` as one unit: a PostgreSQL transaction, or the best the target offers. */
  unitOfWork<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  loadCheckpoint(projection: string): Promise<Checkpoint | null>;
  saveCheckpoint(tx: Tx, projection: string, checkpoint: Checkpoint): Promise<void>;
  /** Moves the checkpoint past events the projection does not read: nothing to apply with it. */
  moveCheckpoint(projection: string, checkpoint: Checkpoint): Promise<void>;
}
