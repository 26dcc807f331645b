import type { Checkpoint } from '@meetings/events';
import type { Projection, ProjectionDeps } from '../projections.js';
import { createRunners } from '../projections.js';
import { logHead } from '../rebuild/run-to-head.js';
import { ProjectionWorker } from '../runner/projection-worker.js';
import { sleep } from '../runner/sleep.js';

export interface RebuildProgress {
  head: Checkpoint | null;
  atHead: number;
  total: number;
  /** The projections not yet at the head, with the position each stands at (0: nothing yet). */
  behind: { name: string; globalPosition: number }[];
}

/** A projection's target already holds a checkpoint: its read model is not empty. */
export class ProjectionNotEmptyError extends Error {
  override readonly name = 'ProjectionNotEmptyError';
}

const same = (a: Checkpoint | null, b: Checkpoint | null) =>
  a?.transactionId === b?.transactionId && a?.globalPosition === b?.globalPosition;

/** Refuses targets that already hold a projection's checkpoint (Redis, MongoDB or etcd kept from before). */
export async function refuseProjectedTargets(projections: readonly Projection[]): Promise<void> {
  for (const { projector, target } of projections) {
    const at = await target.loadCheckpoint(projector.name);
    if (at) {
      throw new ProjectionNotEmptyError(
        `the ${projector.name} projection's target already holds a checkpoint (position ${at.globalPosition}): ` +
          'restore into empty read models (a fresh Redis key prefix, MongoDB database and etcd prefix)',
      );
    }
  }
}

/**
 * Runs every projection, exactly as the worker does (same runners, batches and dead letters),
 * from the start of the log until each checkpoint stands at the log's head, then stops them.
 * Reports where they stand every `progressEveryMs`.
 */
export async function rebuildProjections(
  deps: ProjectionDeps,
  projections: readonly Projection[],
  onProgress: (p: RebuildProgress) => void = () => undefined,
  progressEveryMs = 1_000,
): Promise<void> {
  // null for an empty log: every projection stands at its head already.
  const read = await logHead(deps.pool);
  const head = read.globalPosition === 0 ? null : read;
  const worker = new ProjectionWorker(createRunners(deps, projections), deps.logger);
  worker.start();
  try {
    let reported = 0;
    for (;;) {
      const behind: RebuildProgress['behind'] = [];
      for (const { projector, target } of projections) {
        const at = await target.loadCheckpoint(projector.name);
        if (head && !same(at, head))
          behind.push({ name: projector.name, globalPosition: at?.globalPosition ?? 0 });
      }
      const done = behind.length === 0;
      if (done || Date.now() - reported >= progressEveryMs) {
        onProgress({ head, atHead: projections.length - behind.length, total: projections.length, behind });
        reported = Date.now();
      }
      if (done) return;
      await sleep(50);
    }
  } finally {
    await worker.stop();
  }
}
