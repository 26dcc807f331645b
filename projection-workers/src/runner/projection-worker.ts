import { isOutage } from '@meetings/db';
import type { Logger } from 'pino';
import { CheckpointConflict } from '../ports/checkpoint-store.js';
import type { ProjectionRunner } from './projection-runner.js';
import { sleep } from './sleep.js';

/**
 * Runs several projections side by side. A projection that fails (its database went away) is
 * restarted from its checkpoint after a backoff; stop() lets each finish its batch, then returns.
 */
export class ProjectionWorker {
  private readonly controller = new AbortController();
  private running: Promise<void>[] = [];

  constructor(
    readonly runners: readonly ProjectionRunner<unknown>[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running = this.runners.map((runner) => this.supervise(runner));
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.running);
  }

  private async supervise(runner: ProjectionRunner<unknown>): Promise<void> {
    const { signal } = this.controller;
    for (let failures = 0; !signal.aborted;) {
      try {
        await runner.run(signal);
        failures = 0;
      } catch (error) {
        failures += 1;
        // A server away or a checkpoint the target lost is expected in operation; anything else is a bug.
        const expected = isOutage(error) || error instanceof CheckpointConflict;
        const entry = { err: error, projection: runner.name, failures };
        if (expected)
          this.logger.warn(entry, 'projection interrupted; resuming from its committed checkpoint');
        else this.logger.error(entry, 'projection failed; restarting');
        await sleep(Math.min(100 * 2 ** failures, 2_000), signal);
      }
    }
  }
}
