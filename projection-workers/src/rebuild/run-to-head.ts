import { compareCheckpoints, START } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import type { ProjectionRunner } from '../runner/projection-runner.js';
import { sleep } from '../runner/sleep.js';
import { RebuildInterrupted } from './rebuild-progress.js';

/** The last (transaction, position) of the log; START for an empty one. */
export async function logHead(pool: pg.Pool): Promise<Checkpoint> {
  const { rows } = await pool.query<{ t: string; p: string }>(
    `SELECT transaction_id::text AS t, global_position::text AS p FROM es_events
     ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  return rows[0] ? { transactionId: Number(rows[0].t), globalPosition: Number(rows[0].p) } : START;
}

export interface RunToHeadOptions<Tx> {
  /** The generation's runner (the workers' own: same batches, retries and dead letters). */
  runner: ProjectionRunner<Tx>;
  head: Checkpoint;
  /** Where the generation's committed checkpoint stands. */
  position(): Promise<Checkpoint | null>;
  /** Called with each position read while it runs (for progress). */
  onPosition(at: Checkpoint | null): void;
  /** Aborted: the run stops after the batch in hand and this rejects with RebuildInterrupted. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs a generation's runner until its committed checkpoint reaches `head`, then stops it. A
 * failure of the run (the log or the target away) rejects: the rebuild is resumable from there.
 */
export async function runToHead<Tx>(options: RunToHeadOptions<Tx>): Promise<void> {
  const { runner, head, signal } = options;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) stop.abort();
  const outcome: { failed?: Error } = {};
  const running = runner.run(stop.signal).catch((error: unknown) => {
    outcome.failed = error instanceof Error ? error : new Error(`the rebuild run failed: ${String(error)}`);
    stop.abort();
  });
  try {
    while (!stop.signal.aborted) {
      const at = await options.position();
      options.onPosition(at);
      if (compareCheckpoints(at ?? START, head) >= 0) break;
      await sleep(50, stop.signal);
    }
  } finally {
    stop.abort();
    signal?.removeEventListener('abort', onAbort);
    await running;
  }
  if (outcome.failed) throw outcome.failed;
  if (signal?.aborted) throw new RebuildInterrupted(`the rebuild of ${runner.name} was interrupted`);
}
