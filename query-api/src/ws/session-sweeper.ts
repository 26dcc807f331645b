import type { SessionStore } from '@meetings/command-service/sessions';
import type { Logger } from '../logger.js';

export interface SessionSweeperOptions {
  /** Milliseconds between sweeps. */
  intervalMs: number;
  /** A sweep not answered within this long counts as failed (its late answer is ignored). */
  timeoutMs?: number;
}

interface Tracked {
  sessionId: string;
  onEnded: () => void;
}

/**
 * Ends what outlives its session: every `intervalMs` (and at once on `sweep()`) it asks the
 * session store, in one round trip, which of the tracked sessions still exist, and calls `onEnded`
 * of each holder whose session is gone (logged out, expired, or lost with Redis).
 *
 * The check is read-only: holding a session open is not activity, so an idle WebSocket does not
 * keep its session alive (what the client sends, a subscription, does refresh it). A sweep that
 * fails ends nothing: the store may be down, which says nothing about any session; the next one
 * retries. Sweeps never overlap: one asked for while another runs follows it, since the running
 * one may have read the store before the reason for asking (a reconnection) happened.
 */
export class SessionSweeper {
  private readonly tracked = new Map<object, Tracked>();
  private readonly timer: NodeJS.Timeout;
  private readonly timeoutMs: number;
  private running: Promise<void> | null = null;
  private again: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly sessions: Pick<SessionStore, 'alive'>,
    private readonly logger: Logger,
    options: SessionSweeperOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? Math.max(5000, options.intervalMs * 5);
    // A tick while a sweep runs is skipped (the next one comes soon); `sweep()` is never skipped.
    this.timer = setInterval(() => {
      if (!this.running) void this.sweep();
    }, options.intervalMs);
    this.timer.unref();
  }

  /** Watches the session of `holder` until `untrack` (or until it ended). */
  track(holder: object, sessionId: string, onEnded: () => void): void {
    if (!this.stopped) this.tracked.set(holder, { sessionId, onEnded });
  }

  untrack(holder: object): void {
    this.tracked.delete(holder);
  }

  get size(): number {
    return this.tracked.size;
  }

  /** Sweeps now, or right after the sweep under way; resolves when that sweep is done. */
  sweep(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) {
      this.running = this.run().finally(() => (this.running = null));
      return this.running;
    }
    this.again ??= this.running.then(() => {
      this.again = null;
      return this.sweep();
    });
    return this.again;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.tracked.clear();
  }

  private async run(): Promise<void> {
    const snapshot = [...this.tracked];
    if (snapshot.length === 0) return;
    let alive: Set<string>;
    try {
      alive = await this.ask([...new Set(snapshot.map(([, t]) => t.sessionId))]);
    } catch (error) {
      this.failures += 1;
      // One warning per outage; the retries every interval would otherwise flood the log.
      if (this.failures === 1) this.logger.warn({ err: error }, 'could not check WebSocket sessions');
      else this.logger.debug({ err: error, failures: this.failures }, 'could not check WebSocket sessions');
      return;
    }
    if (this.failures > 0) {
      this.logger.info({ failures: this.failures }, 'WebSocket sessions can be checked again');
      this.failures = 0;
    }
    let ended = 0;
    for (const [holder, t] of snapshot) {
      // Untracked meanwhile (closed), or tracked again for another session: not this sweep's call.
      if (alive.has(t.sessionId) || this.tracked.get(holder) !== t) continue;
      this.tracked.delete(holder);
      ended += 1;
      try {
        t.onEnded();
      } catch (error) {
        this.logger.error({ err: error }, 'ending a connection of an ended session failed');
      }
    }
    if (ended > 0)
      this.logger.info({ ended, checked: snapshot.length }, 'closed WebSockets of ended sessions');
  }

  private ask(sessionIds: string[]): Promise<Set<string>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the session store did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([this.sessions.alive(sessionIds), timeout]).finally(() => clearTimeout(timer));
  }
}
