import type { Checkpoint } from '@meetings/events';

/**
 * Where a projection's effects go, and where it remembers how far it has read. The checkpoint is
 * written in the same unit of work as the effects, or (where the target has no transactions)
 * right after them and fenced so that no write lands on state the run did not expect.
 */
export interface ProjectionTarget<Tx> {
  /**
   * Starts a run of `projection` from its committed checkpoint (null: from the start of the log).
   * A target that finds its state lost (a Redis that restarted empty) starts it over from null.
   */
  open(projection: string): Promise<TargetRun<Tx>>;
  /** Where `projection` stands, read only (for ops). */
  loadCheckpoint(projection: string): Promise<Checkpoint | null>;
}

/** One run of a projection against its target: it alone moves the checkpoint while it lasts. */
export interface TargetRun<Tx> {
  /** The last checkpoint committed: loaded at open, then moved by each commit. */
  readonly checkpoint: Checkpoint | null;
  /**
   * Runs `work` (when given) as one unit and moves the checkpoint to `to` (when given) with it.
   * Throws `CheckpointConflict` when the stored state is not the one this run last committed: a
   * server crash lost commits, or another runner moved it. The run is then over; a new one must
   * be opened, from the committed checkpoint.
   */
  commit<T>(work: ((tx: Tx) => Promise<T>) | null, to: Checkpoint | null): Promise<T | undefined>;
}

/** The target no longer holds what this run committed (or someone else writes): open a new run. */
export class CheckpointConflict extends Error {
  override readonly name = 'CheckpointConflict';
  constructor(
    readonly projection: string,
    detail: string,
  ) {
    super(`projection ${projection}: ${detail}; resuming from the committed checkpoint`);
  }
}
