import { gauge } from '@meetings/command-service/http';
import type { Registry } from '@meetings/command-service/http';
import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import { logLag } from '../adapters/postgres/log-lag.js';
import type { Lag } from '../adapters/postgres/log-lag.js';

/** A running projection as the lag probe sees it: its name, event types and applied checkpoint. */
export interface LaggingReader {
  readonly name: string;
  readonly eventTypes: readonly string[];
  readonly position: Checkpoint;
}

/** Measurements younger than this are reused: a scrape and a readiness probe do not both query. */
const FRESH_MS = 1000;

/**
 * How far each projection is behind the head of the log (its events after the checkpoint it has
 * applied, and the age of the oldest), kept in `projection_lag_events` / `projection_lag_seconds`,
 * with the pending dead letters in `projection_dead_letters_pending`. Measured when scraped or
 * probed, at most once a second.
 */
export class ProjectionLag {
  private measured: { at: number; lags: Promise<Map<string, Lag>> } | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly readers: readonly LaggingReader[],
    registry: Registry,
  ) {
    const measure = () => this.measure();
    gauge(registry, {
      name: 'projection_lag_events',
      help: "Events of a projection's types in the log after its applied checkpoint",
      labelNames: ['projection'] as const,
      async collect() {
        for (const [projection, lag] of await measure()) this.set({ projection }, lag.events);
      },
    });
    gauge(registry, {
      name: 'projection_lag_seconds',
      help: 'Age of the oldest event a projection has not applied yet (0 when caught up)',
      labelNames: ['projection'] as const,
      async collect() {
        for (const [projection, lag] of await measure()) this.set({ projection }, lag.seconds);
      },
    });
    gauge(registry, {
      name: 'projection_dead_letters_pending',
      help: 'Dead letters of a projection waiting for a retry (all processes)',
      labelNames: ['projection'] as const,
      async collect() {
        const { rows } = await pool.query<{ projection: string; n: string }>(
          `SELECT projection, count(*)::text AS n FROM projection_dead_letters WHERE status = 'pending' AND projection = ANY($1) GROUP BY projection`,
          [readers.map((r) => r.name)],
        );
        const pending = new Map(rows.map((r) => [r.projection, Number(r.n)]));
        for (const r of readers) this.set({ projection: r.name }, pending.get(r.name) ?? 0);
      },
    });
  }

  /** Every projection's lag, measured now or up to a second ago. */
  measure(): Promise<Map<string, Lag>> {
    const now = Date.now();
    if (this.measured && now - this.measured.at < FRESH_MS) return this.measured.lags;
    const lags = Promise.all(
      this.readers.map(
        async (r) => [r.name, await logLag(this.pool, r.position, { eventTypes: r.eventTypes })] as const,
      ),
    ).then((entries) => new Map(entries));
    lags.catch(() => (this.measured = null)); // a failed measure is not remembered
    this.measured = { at: now, lags };
    return lags;
  }

  /** Throws naming the projections more than `maxEvents` behind (readiness). */
  async assertWithin(maxEvents: number): Promise<void> {
    const behind = [...(await this.measure())].filter(([, lag]) => lag.events > maxEvents);
    if (behind.length > 0) {
      const list = behind.map(([name, lag]) => `${name} (${lag.events} events)`).join(', ');
      throw new Error(`projections behind by more than ${maxEvents} events: ${list}`);
    }
  }
}
