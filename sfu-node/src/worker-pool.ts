import { EventEmitter } from 'node:events';
import { createWorker, type types } from 'mediasoup';
import type { SfuConfig } from './config.js';

export type Worker = types.Worker;

/** A worker's place in the pool: its replacement takes the same slot and the same ports. */
export interface WorkerSlot {
  readonly index: number;
  readonly rtcMinPort: number;
  readonly rtcMaxPort: number;
}

export interface WorkerPoolEvents {
  /** A worker process died; its routers and transports are gone. A replacement is being started. */
  died: [slot: WorkerSlot, pid: number, error: Error];
  /** A worker was started in place of a dead one. */
  replaced: [slot: WorkerSlot, worker: Worker];
  /** Starting a replacement failed; it is tried again after `retryInMs`. */
  restartfailed: [slot: WorkerSlot, error: unknown, retryInMs: number];
}

const RESTART_BACKOFF_MIN_MS = 100;
const RESTART_BACKOFF_MAX_MS = 10_000;

/** Splits [min, max] into `count` contiguous slices, the remainder spread over the first ones. */
export function splitPortRange(min: number, max: number, count: number): [number, number][] {
  const total = max - min + 1;
  if (count < 1 || total < count) throw new RangeError(`cannot split ${min}-${max} into ${count} slices`);
  const base = Math.floor(total / count);
  const extra = total % count;
  const slices: [number, number][] = [];
  let start = min;
  for (let i = 0; i < count; i++) {
    const size = base + (i < extra ? 1 : 0);
    slices.push([start, start + size - 1]);
    start += size;
  }
  return slices;
}

/**
 * One mediasoup worker process per slot (by default one per core: a worker is single-threaded),
 * each with its own slice of the RTC port range and started with the configured binary. A worker
 * that dies is replaced in its slot (retrying with a growing pause if the replacement fails to
 * start); `close()` closes them all and waits for their processes to exit.
 *
 * The binary is passed to each worker as `workerBin`: mediasoup reads MEDIASOUP_WORKER_BIN only
 * once, when its module is loaded, so setting the variable later would not reach it.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #config: SfuConfig;
  readonly #slots: WorkerSlot[];
  readonly #workers: (Worker | undefined)[];
  readonly #timers = new Set<NodeJS.Timeout>();
  #next = 0;
  #closed = false;

  private constructor(config: SfuConfig) {
    super();
    this.#config = config;
    this.#slots = splitPortRange(config.rtcMinPort, config.rtcMaxPort, config.workers).map(
      ([rtcMinPort, rtcMaxPort], index) => ({ index, rtcMinPort, rtcMaxPort }),
    );
    this.#workers = this.#slots.map(() => undefined);
  }

  /** Starts every worker; if one fails to start, the others are closed and the error is thrown. */
  static async start(config: SfuConfig): Promise<WorkerPool> {
    const pool = new WorkerPool(config);
    const started = await Promise.allSettled(pool.#slots.map((slot) => pool.#spawn(slot)));
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await pool.close();
      throw new Error(`mediasoup worker failed to start (${config.workerBin})`, { cause: failure.reason });
    }
    return pool;
  }

  /** The live workers, by slot (a slot whose replacement is starting is left out). */
  get workers(): Worker[] {
    return this.#workers.filter((w): w is Worker => w !== undefined && !w.closed);
  }

  get size(): number {
    return this.#slots.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next live worker, round-robin. */
  nextWorker(): Worker {
    if (this.#closed) throw new Error('the worker pool is closed');
    for (let tried = 0; tried < this.#workers.length; tried++) {
      const worker = this.#workers[this.#next];
      this.#next = (this.#next + 1) % this.#workers.length;
      if (worker && !worker.closed) return worker;
    }
    throw new Error('no mediasoup worker is running');
  }

  /** Closes every worker and waits until their processes have exited. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const exits = this.#workers.map((worker) => {
      if (!worker || worker.subprocessClosed) return Promise.resolve();
      const exited = new Promise<void>((resolve) => worker.once('subprocessclose', () => resolve()));
      worker.close();
      return exited;
    });
    this.#workers.fill(undefined);
    await Promise.all(exits);
  }

  async #spawn(slot: WorkerSlot): Promise<Worker> {
    const worker = await createWorker({
      workerBin: this.#config.workerBin,
      logLevel: this.#config.workerLogLevel,
      rtcMinPort: slot.rtcMinPort,
      rtcMaxPort: slot.rtcMaxPort,
      appData: { slot: slot.index },
    });
    if (this.#closed) {
      // close() ran while this one was starting.
      worker.close();
      throw new Error('the worker pool was closed while a worker started');
    }
    this.#workers[slot.index] = worker;
    worker.once('died', (error) => this.#onDied(slot, worker, error));
    return worker;
  }

  #onDied(slot: WorkerSlot, worker: Worker, error: Error): void {
    if (this.#workers[slot.index] === worker) this.#workers[slot.index] = undefined;
    if (this.#closed) return;
    this.emit('died', slot, worker.pid, error);
    this.#restart(slot, RESTART_BACKOFF_MIN_MS);
  }

  #restart(slot: WorkerSlot, backoffMs: number): void {
    this.#spawn(slot).then(
      (worker) => this.emit('replaced', slot, worker),
      (error: unknown) => {
        if (this.#closed) return;
        this.emit('restartfailed', slot, error, backoffMs);
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#restart(slot, Math.min(backoffMs * 2, RESTART_BACKOFF_MAX_MS));
        }, backoffMs);
        this.#timers.add(timer);
      },
    );
  }
}
