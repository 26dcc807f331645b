import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import type { RebuildPhase, RebuildProgress } from '../rebuild-progress.js';

/**
 * Calls `onProgress` at every phase change and, while a phase goes on, every `everyMs` with the
 * position the new generation has reached (read through `position`). The log's head is read on
 * the clock, not at phase changes: those fall between reading the live run's position and the
 * switch, which must be short.
 */
export class ProgressReporter {
  private phase: RebuildPhase | null = null;
  private position: () => Checkpoint | null = () => null;
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly base: Pick<RebuildProgress, 'projection' | 'generation'>,
    private readonly onProgress: ((progress: RebuildProgress) => void) | undefined,
    private readonly everyMs = 1_000,
  ) {}

  /** The first phase: the head read, reported, then on the clock until stop(). */
  async start(phase: RebuildPhase, position: () => Checkpoint | null): Promise<void> {
    if (!this.onProgress) return;
    await this.readHead();
    this.enter(phase, position);
    this.timer = setInterval(() => {
      // A head query still under way (a busy database) is not doubled.
      if (this.reading) return;
      void this.readHead()
        .then(() => this.report())
        .catch(() => undefined);
    }, this.everyMs);
    this.timer.unref();
  }

  enter(phase: RebuildPhase, position: () => Checkpoint | null): void {
    const changed = phase !== this.phase;
    this.phase = phase;
    this.position = position;
    if (changed) this.report();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private report(): void {
    if (!this.phase) return;
    this.onProgress?.({
      ...this.base,
      phase: this.phase,
      position: this.position()?.globalPosition ?? 0,
      head: this.head,
    });
  }

  private async readHead(): Promise<void> {
    this.reading = true;
    try {
      const { rows } = await this.pool.query<{ head: string }>(
        'SELECT coalesce(max(global_position), 0)::text AS head FROM es_events',
      );
      this.head = Number(rows[0]!.head);
    } finally {
      this.reading = false;
    }
  }
}
