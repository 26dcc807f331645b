import { applyAfterRebuild, DatabaseNotEmptyError, loadBackup, nonEmptyTables } from '@meetings/db';
import type { BackupProgress, LoadResult, TransactionIdMode } from '@meetings/db';
import type { Readable } from 'node:stream';
import type { Projection, ProjectionDeps } from '../projections.js';
import { rebuildProjections, refuseProjectedTargets } from './rebuild-projections.js';
import type { RebuildProgress } from './rebuild-projections.js';

export interface RestoreOptions {
  deps: ProjectionDeps;
  projections: readonly Projection[];
  /** Opened once the database and the targets are found empty (an S3 download is not started for nothing). */
  open: () => Promise<Readable>;
  transactionIds?: TransactionIdMode;
  onLoadProgress?: (p: BackupProgress) => void;
  onRebuildProgress?: (p: RebuildProgress) => void;
}

export interface RestoreResult {
  load: LoadResult;
  loadMs: number;
  rebuildMs: number;
}

/**
 * Loads a backup into the (migrated, empty) database, then rebuilds every projection from the
 * restored log, then puts back the AI task queue's columns onto the rebuilt tasks. The database
 * and every projection target are checked empty before anything is written.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const { deps, projections } = options;
  const tables = await nonEmptyTables(deps.pool);
  if (tables.length > 0) {
    throw new DatabaseNotEmptyError(
      `the database is not empty (${tables.join(', ')} hold rows): a restore only loads into an empty database; create a new one`,
    );
  }
  await refuseProjectedTargets(projections);
  const started = Date.now();
  const load = await loadBackup(deps.pool, await options.open(), {
    transactionIds: options.transactionIds,
    onProgress: options.onLoadProgress,
  });
  const loaded = Date.now();
  await rebuildProjections(deps, projections, options.onRebuildProgress);
  await applyAfterRebuild(deps.pool, load);
  return { load, loadMs: loaded - started, rebuildMs: Date.now() - loaded };
}
