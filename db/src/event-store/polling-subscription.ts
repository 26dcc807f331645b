import { START } from '@meetings/events';
import type { Checkpoint, EventEnvelope, EventFilter, ReadAllResult, Subscription } from '@meetings/events';

export interface PollingSubscriptionOptions {
  read: (from: Checkpoint, max: number, filter: EventFilter | undefined) => Promise<ReadAllResult>;
  fromCheckpoint?: Checkpoint;
  filter?: EventFilter;
  batchSize: number;
  pollIntervalMs: number;
}

/**
 * Catches up page by page, then polls. Short polling rather than LISTEN/NOTIFY: NOTIFY takes a
 * cluster-wide lock at every commit, which would serialize the writers this store lets run in
 * parallel, and a notified reader still has to wait for older transactions to finish.
 */
export class PollingSubscription implements Subscription {
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: PollingSubscriptionOptions) {}

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    return Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventEnvelope> {
    const { read, filter, batchSize, pollIntervalMs } = this.options;
    let checkpoint = this.options.fromCheckpoint ?? START;
    while (!this.closed) {
      const page = await read(checkpoint, batchSize, filter);
      for (const event of page.events) {
        if (this.closed) return;
        yield event;
      }
      checkpoint = page.checkpoint;
      if (page.events.length < batchSize) await this.sleep(pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
