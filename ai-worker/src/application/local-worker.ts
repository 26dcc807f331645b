import type { Logger } from 'pino';
import type { PostgresTaskQueue } from '../adapters/postgres/postgres-task-queue.js';
import type { Outcome } from '../ports/task-queue.js';
import type { TaskRunner } from './task-runner.js';

export interface LocalWorkerOptions {
  queue: PostgresTaskQueue;
  runner: TaskRunner;
  workerId: string;
  leaseMs: number;
  pollIntervalMs: number;
  logger: Logger;
  /** Called after each task handled (tests wait on it). */
  onOutcome?: (taskId: string, outcome: Outcome) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Consumes the local queue (PostgresTaskQueue): claims the task of highest priority, renews its
 * lease a few times per lease period while it runs, and settles it. Claiming is the dispatch:
 * priority order holds across all pending tasks, not only those already handed out. One task at
 * a time per worker; run more workers (processes) for more.
 */
export class LocalWorker {
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly o: LocalWorkerOptions) {}

  start(): void {
    this.running = this.loop();
  }

  /** Finishes the task in hand, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const message = await this.o.queue.claim(this.o.workerId);
        if (!message) {
          await sleep(this.o.pollIntervalMs);
          continue;
        }
        await this.handle(message.taskId);
      } catch (error) {
        // PostgreSQL went away, or an append failed: the lease runs out and the task is retried.
        this.o.logger.warn({ err: error }, 'AI task queue pass failed');
        await sleep(this.o.pollIntervalMs);
      }
    }
  }

  private async handle(taskId: string): Promise<void> {
    // Three renewals per lease: one lost to a slow database does not hand the task to another worker.
    const renewal = setInterval(
      () => {
        this.o.queue
          .renew(taskId, this.o.workerId)
          .then((held) => held || this.o.logger.warn({ taskId }, 'lost the lease of an AI task'))
          .catch((error: unknown) => this.o.logger.warn({ err: error, taskId }, 'lease renewal failed'));
      },
      Math.floor(this.o.leaseMs / 3),
    );
    try {
      const outcome = await this.o.runner.process(taskId, async () => this.o.queue.deadLetter(taskId));
      // Taken: another worker holds the task now and settles it; missing: the row has no stream.
      if (outcome !== 'taken') await this.o.queue.ack(taskId);
      this.o.onOutcome?.(taskId, outcome);
    } finally {
      clearInterval(renewal);
    }
  }
}
