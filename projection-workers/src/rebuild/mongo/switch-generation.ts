import { randomUUID } from 'node:crypto';
import type { Db } from '@meetings/db';
import { compareCheckpoints, formatCheckpoint, parseCheckpoint, START } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type { Logger } from 'pino';
import type { AnalyticsCollections } from '../../projectors/mongo/analytics-collections.js';
import { renameOverLive } from './generation-collections.js';
import {
  liveGeneration,
  LivePauseLost,
  pauseLiveRun,
  pausedAt,
  releaseLiveRun,
  renewPause,
} from './live-pause.js';
import { updateMarker } from './rebuild-marker.js';
import type { RebuildMarker } from './rebuild-marker.js';

export interface SwitchDeps {
  db: Db;
  logger: Logger;
  projection: string;
  names: AnalyticsCollections;
  /** Runs the generation to the log's head; returns its checkpoint. */
  catchUp: () => Promise<Checkpoint>;
}

const ATTEMPTS = 3;

/**
 * Switches readers to the generation. The live run is paused between two batches (live-pause.ts),
 * the generation caught up to the head (so at or past the paused live checkpoint: each collection
 * only moves forward), each collection renamed over its live one (atomic per collection), then
 * the live checkpoint document is moved to the generation's checkpoint under a new life id: the
 * live run's fence refuses its next write, and it reopens from there on the switched collections.
 * Returns where the generation stood.
 *
 * `marker.switching` is written before the first rename, so a rebuild killed among the renames
 * finishes them when run again, pausing the live run anew first.
 */
export async function switchToGeneration(deps: SwitchDeps, marker: RebuildMarker): Promise<Checkpoint> {
  if (marker.switching) return finishSwitch(deps, marker.switching);
  for (let attempt = 1; ; attempt++) {
    try {
      return await switchOnce(deps);
    } catch (error) {
      // Nothing renamed yet: the live run only went on as before. Try again, a few times.
      if (!(error instanceof LivePauseLost) || attempt >= ATTEMPTS) throw error;
      deps.logger.warn({ err: error, attempt }, 'rebuild switch: pause lost; trying again');
    }
  }
}

async function switchOnce(deps: SwitchDeps): Promise<Checkpoint> {
  const { db, projection } = deps;
  let pause = await pauseLiveRun(db, projection);
  const at = await deps.catchUp();
  const live = pausedAt(pause);
  if (live && compareCheckpoints(at, live) < 0) {
    throw new Error(`the generation (${formatCheckpoint(at)}) is behind the live run (${pause.checkpoint})`);
  }
  pause = await renewPause(db, projection, pause);
  const switching = { at: formatCheckpoint(at), released_generation: randomUUID() };
  await updateMarker(db, projection, { switching });
  await renameOverLive(db, deps.names);
  await releaseLiveRun(db, projection, at, switching.released_generation);
  return at;
}

/**
 * A switch interrupted among its renames: the live run is paused again (it may have gone on after
 * the pause lapsed, over collections partly renamed: applying again from the generation's
 * checkpoint, which every collection then holds, is a no-op where it already applied).
 */
async function finishSwitch(deps: SwitchDeps, switching: NonNullable<RebuildMarker['switching']>) {
  const at = switching.at ? parseCheckpoint(switching.at) : START;
  if ((await liveGeneration(deps.db, deps.projection)) === switching.released_generation) return at;
  await pauseLiveRun(deps.db, deps.projection);
  await renameOverLive(deps.db, deps.names);
  await releaseLiveRun(deps.db, deps.projection, at, switching.released_generation);
  return at;
}
