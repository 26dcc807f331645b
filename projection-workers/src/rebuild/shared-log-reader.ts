import { compareCheckpoints, decodeEvent, matchesFilter } from '@meetings/events';
import type {
  Checkpoint,
  DecodedEvent,
  EventEnvelope,
  EventStore,
  ReadAllOptions,
  ReadAllResult,
  UpcasterRegistry,
} from '@meetings/events';

type LogReader = Pick<EventStore, 'readAll'>;

/** One rebuild's view of the shared read: a `readAll` of its own, released by `close`. */
export interface SharedReader extends LogReader {
  /** decodeEvent, once per event for all readers (the readers share the event objects too). */
  decode(upcasters: UpcasterRegistry, recorded: EventEnvelope): DecodedEvent;
  close(): void;
}

export interface SharedLogReaderOptions {
  /** Events per read of the log (a rebuild's bulk batch size). */
  pageSize: number;
  /** Events held at most while some reader still needs the oldest (default: three pages). */
  capacity?: number;
  /**
   * How long a reader that has not read yet holds the window at its start (default 30 s). One that
   * starts later than that (its rebuild waited for a connection or a lock) reads the store itself,
   * so a reader that never reads cannot stall the others.
   */
  startGraceMs?: number;
}

/**
 * Reads the log once for rebuilds that run side by side. Each would otherwise read, parse and
 * decode the same events (the audit trail reads all of them), which in a rebuild of every
 * projection costs as much as writing their rows. The log is read here unfiltered, page after
 * page, into a window of recent events; each reader's `readAll` answers from the window, filtered
 * as the store would filter it. Events every reader has passed leave the window. A reader far
 * ahead waits for the slowest when the window is full, so memory stays bounded; the rebuild ends
 * with the slowest projection anyway. A reader behind the window (one resuming from an older
 * checkpoint) reads the store itself.
 */
export class SharedLogReader {
  private readonly capacity: number;
  /** Events after `start`, in log order, each with the position a reader moves to past it. */
  private window: EventEnvelope[] = [];
  private start: Checkpoint | null = null;
  private end: Checkpoint | null = null;
  private extending: Promise<number> | null = null;
  /** Where each open reader stands: it needs nothing at or before this; null: it has not read yet. */
  private readonly positions = new Map<symbol, Checkpoint | null>();
  private waiting: (() => void)[] = [];
  private readonly graceEnds: number;
  private readonly decoded = new WeakMap<EventEnvelope, DecodedEvent>();

  constructor(
    private readonly store: LogReader,
    private readonly options: SharedLogReaderOptions,
  ) {
    this.capacity = options.capacity ?? 3 * options.pageSize;
    this.graceEnds = Date.now() + (options.startGraceMs ?? 30_000);
  }

  /**
   * A reader for one rebuild. Take every reader before any of them reads: until its first read, a
   * reader holds the window at its start, so the others cannot leave it behind.
   */
  reader(): SharedReader {
    const id = Symbol('reader');
    this.positions.set(id, null);
    return {
      readAll: (options = {}) => this.readAll(id, options),
      decode: (upcasters, recorded) => {
        let event = this.decoded.get(recorded);
        if (!event) this.decoded.set(recorded, (event = decodeEvent(upcasters, recorded)));
        return event;
      },
      close: () => {
        this.positions.delete(id);
        this.evict();
        this.wake();
      },
    };
  }

  /** Events held now (for tests and progress). */
  get held(): number {
    return this.window.length;
  }

  private async readAll(id: symbol, options: ReadAllOptions): Promise<ReadAllResult> {
    const from = options.fromPosition ?? { transactionId: 0, globalPosition: 0 };
    const max = options.max ?? 1000;
    if (this.start === null || this.end === null) this.start = this.end = from;
    // Outside the window (behind it, or ahead of what it has read): the store answers, and the
    // reader holds nothing in the window until it reads inside it.
    if (compareCheckpoints(from, this.start) < 0 || compareCheckpoints(from, this.end) > 0) {
      this.positions.delete(id);
      this.evict();
      this.wake();
      return this.store.readAll(options);
    }
    const events: EventEnvelope[] = [];
    let scanned = from;
    for (;;) {
      this.advance(id, scanned);
      let i = this.firstAfter(scanned);
      for (; i < this.window.length && events.length < max; i++) {
        const event = this.window[i]!;
        if (matchesFilter(options.filter, event)) events.push(event);
        scanned = event.checkpoint;
      }
      if (events.length === max) return { events, checkpoint: scanned };
      // The window is exhausted: the reader has seen everything it holds.
      if (compareCheckpoints(this.end, scanned) > 0) scanned = this.end;
      this.advance(id, scanned);
      if ((await this.extend(id)) === 0) return { events, checkpoint: scanned };
    }
  }

  /** Records a reader's position (which may let a waiting reader go on) and evicts. */
  private advance(id: symbol, at: Checkpoint): void {
    this.positions.set(id, at);
    this.evict();
    this.wake();
  }

  /** Drops the events every reader is past; wakes the waiting readers if that made room. */
  private evict(): void {
    let slowest: Checkpoint | null = null;
    for (const p of this.positions.values()) {
      if (p === null) {
        if (this.inGrace()) return; // a reader yet to start may need the window from its start
      } else if (slowest === null || compareCheckpoints(p, slowest) < 0) slowest = p;
    }
    const passed = slowest === null ? this.window.length : this.firstAfter(slowest);
    if (passed === 0) return;
    this.start = this.window[passed - 1]!.checkpoint;
    this.window = this.window.slice(passed);
    this.wake();
  }

  /** Reads the next page of the log into the window; resolves with the number of events read. */
  private async extend(id: symbol): Promise<number> {
    while (this.window.length + this.options.pageSize > this.capacity && !this.isSlowest(id)) {
      // Woken by any reader's progress, or at the end of the grace (see startGraceMs).
      const timer = this.inGrace() ? setTimeout(() => this.wake(), this.graceEnds - Date.now() + 1) : null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (timer) clearTimeout(timer);
      this.evict();
    }
    if (this.extending) return this.extending;
    const reading = this.store.readAll({ fromPosition: this.end!, max: this.options.pageSize });
    this.extending = reading.then((page) => {
      this.window = this.window.concat(page.events);
      this.end = page.checkpoint;
      return page.events.length;
    });
    try {
      return await this.extending;
    } finally {
      this.extending = null;
      this.wake();
    }
  }

  private isSlowest(id: symbol): boolean {
    const mine = this.positions.get(id)!;
    for (const p of this.positions.values())
      if (p === null ? this.inGrace() : compareCheckpoints(p, mine) < 0) return false;
    return true;
  }

  private inGrace(): boolean {
    return Date.now() < this.graceEnds;
  }

  /** The index of the first held event after `at` (binary search: the window is in log order). */
  private firstAfter(at: Checkpoint): number {
    let lo = 0;
    let hi = this.window.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareCheckpoints(this.window[mid]!.checkpoint, at) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
