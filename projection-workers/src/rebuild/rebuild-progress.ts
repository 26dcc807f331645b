import type { Checkpoint } from '@meetings/events';

/**
 * What every blue/green rebuild (PostgreSQL tables, Redis keys, MongoDB collections) reports: a
 * new generation is built beside the live one, caught up, then switched to in one step.
 */
export type RebuildPhase = 'building' | 'indexing' | 'catching-up' | 'switching' | 'switched';

export interface RebuildProgress {
  projection: string;
  /** The generation being built (a short id, part of its schema / key prefix / collection names). */
  generation: string;
  phase: RebuildPhase;
  /** The global position the new generation has applied up to (0: nothing yet). */
  position: number;
  /** The log's head when the progress was taken. */
  head: number;
}

export interface RebuildOptions {
  /** Aborted: the rebuild stops after the batch in hand; the live generation is untouched. */
  signal?: AbortSignal;
  onProgress?: (progress: RebuildProgress) => void;
  /** How often `onProgress` is called while work goes on (default 1 s); every phase change is. */
  progressEveryMs?: number;
}

export interface RebuildResult {
  projection: string;
  generation: string;
  /** True when an interrupted rebuild of this projection was continued rather than started. */
  resumed: boolean;
  /** Where the new generation stood when readers were switched to it. */
  switchedAt: Checkpoint | null;
  seconds: number;
}

/** A rebuild that cannot go ahead (unknown projection, a projection that cannot be rebuilt so). */
export class RebuildRefused extends Error {
  override readonly name = 'RebuildRefused';
}

/** The rebuild's signal aborted it: the live generation is untouched and `rebuild` resumes it. */
export class RebuildInterrupted extends Error {
  override readonly name = 'RebuildInterrupted';
}
