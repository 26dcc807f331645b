import type { DecodedEvent } from '@meetings/events';
import { CheckpointConflict } from '../ports/checkpoint-store.js';
import type { Projection } from '../projections.js';

/**
 * Applies events without moving the checkpoint, in a run of its own: fenced like the worker's
 * (never into a Redis that lost its state), and opened again when the worker, running meanwhile,
 * moved the checkpoint under it.
 */
export async function applyOutsideRuns(
  projection: Projection,
  events: readonly DecodedEvent[],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const run = await projection.target.open(projection.projector.name);
    try {
      await run.commit((tx) => projection.projector.apply(tx, events), null);
      return;
    } catch (error) {
      if (!(error instanceof CheckpointConflict) || attempt >= 10) throw error;
    }
  }
}
