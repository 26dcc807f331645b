import type { Checkpoint } from '@meetings/events';
import type { RebuildOptions, RebuildPhase } from './rebuild-progress.js';

/** Calls a rebuild's `onProgress`: at every phase change, and every `progressEveryMs` within one. */
export class PhaseReporter {
  /** Where the generation stands, as last read. */
  at: Checkpoint | null = null;
  /** The log's head the current phase runs to. */
  head = 0;
  private phase: RebuildPhase | null = null;
  private reportedAt = 0;

  constructor(
    private readonly projection: string,
    private readonly generation: string,
    private readonly options: RebuildOptions,
  ) {}

  report(phase: RebuildPhase, at: Checkpoint | null = this.at): void {
    const every = this.options.progressEveryMs ?? 1_000;
    if (phase === this.phase && Date.now() - this.reportedAt < every) return;
    this.phase = phase;
    this.reportedAt = Date.now();
    this.options.onProgress?.({
      projection: this.projection,
      generation: this.generation,
      phase,
      position: at?.globalPosition ?? 0,
      head: this.head,
    });
  }
}
