import { HttpProblem, problems } from '@meetings/command-service/http';
import type { ProjectionCheckpoints, ProjectionName } from './projections.js';
import { atOrAfter } from './projections.js';

export interface ReadYourWritesOptions {
  timeoutMs: number;
  pollIntervalMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Read-your-writes: a client passes the `position` a command answered as `minPosition`, and the
 * query waits until every projection it reads has applied that event — its checkpoint at or past
 * (transaction id, position) of the event, the order projections read the log in.
 */
export class ReadYourWrites {
  private readonly pollIntervalMs: number;

  constructor(
    private readonly checkpoints: ProjectionCheckpoints,
    private readonly options: ReadYourWritesOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 10;
  }

  /**
   * Resolves once `projections` all applied the event at `position`; a 400 problem when there is
   * no such event, a 503 (Retry-After: 1) when they have not within the timeout. Stops early, with
   * nothing to answer, when `signal` aborts (the client went away).
   */
  async waitFor(
    position: number,
    projections: readonly ProjectionName[],
    signal?: AbortSignal,
  ): Promise<void> {
    const target = await this.checkpoints.eventAt(position);
    if (!target) {
      throw problems.validation([{ path: 'query.minPosition', message: `no event at position ${position}` }]);
    }
    const deadline = Date.now() + this.options.timeoutMs;
    for (;;) {
      const at = await this.checkpoints.load(projections);
      const behind = projections.filter((name) => {
        const checkpoint = at.get(name);
        return !checkpoint || !atOrAfter(checkpoint, target);
      });
      if (behind.length === 0) return;
      if (signal?.aborted) throw new Error('request aborted');
      if (Date.now() >= deadline) throw lagging(position, behind, this.options.timeoutMs);
      await sleep(Math.min(this.pollIntervalMs, Math.max(1, deadline - Date.now())));
    }
  }
}

function lagging(position: number, behind: readonly ProjectionName[], timeoutMs: number): HttpProblem {
  return new HttpProblem(
    503,
    'projection-lagging',
    'Read model not yet up to date',
    `the ${behind.join(', ')} projection has not applied position ${position} within ${timeoutMs} ms; retry shortly`,
    { minPosition: position, projections: behind },
    { 'Retry-After': '1' },
  );
}
