import { HttpProblem, problems } from '@meetings/command-service/http';
import type { LogPoint, ProjectionCheckpoints, ProjectionName } from './projections.js';
import { atOrAfter, kafkaKey } from './projections.js';

export interface ReadYourWritesOptions {
  timeoutMs: number;
  pollIntervalMs?: number;
}

interface Waiter {
  /** Looked up by the poller with the other new waiters' positions. */
  target: LogPoint | null;
  position: number;
  projections: readonly ProjectionName[];
  deadline: number;
  signal: AbortSignal | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Read-your-writes: a client passes the `position` a command answered as `minPosition`, and the
 * query waits until every projection it reads has applied that event — its checkpoint at or past
 * (transaction id, position) of the event, the order projections read the log in, or, for a
 * projection reading Kafka, its applied offsets past every partition offset the relay recorded
 * for events up to it (`ProjectionCheckpoints.appliedThroughKafka`).
 * One poller serves all waiting requests: a burst of them costs one lookup of the new positions
 * and one checkpoint read per interval, not one of each per request. Give it a connection of its
 * own, so that a burst of reads queueing for connections cannot hold it up.
 */
export class ReadYourWrites {
  private readonly pollIntervalMs: number;
  private readonly waiters = new Set<Waiter>();
  private polling = false;

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
    const deadline = Date.now() + this.options.timeoutMs;
    await new Promise<void>((resolve, reject) => {
      this.waiters.add({ target: null, position, projections, deadline, signal, resolve, reject });
      void this.poll();
    });
  }

  /** One lookup for every waiter a log checkpoint does not satisfy (none when all are). */
  private async appliedThroughKafka(
    waiting: readonly Waiter[],
    events: ReadonlyMap<number, LogPoint>,
    at: ReadonlyMap<ProjectionName, LogPoint>,
  ): Promise<Set<string>> {
    const { targets, names } = behindOnLog(waiting, events, at);
    if (targets.length === 0) return new Set();
    return this.checkpoints.appliedThroughKafka(targets, names);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      // Let the requests that arrived together join the first lookup.
      await new Promise((r) => setImmediate(r));
      while (this.waiters.size > 0) {
        const waiting = [...this.waiters];
        const names = [...new Set(waiting.flatMap((w) => w.projections))];
        const unknown = [...new Set(waiting.filter((w) => !w.target).map((w) => w.position))];
        let at: Map<ProjectionName, LogPoint>;
        let events: Map<number, LogPoint>;
        try {
          [events, at] = await Promise.all([
            unknown.length ? this.checkpoints.eventsAt(unknown) : new Map<number, LogPoint>(),
            this.checkpoints.load(names),
          ]);
        } catch (error) {
          for (const w of waiting) w.reject(error);
          for (const w of waiting) this.waiters.delete(w);
          continue;
        }
        const now = Date.now();
        let throughKafka: Set<string>;
        try {
          throughKafka = await this.appliedThroughKafka(waiting, events, at);
        } catch (error) {
          for (const w of waiting) w.reject(error);
          for (const w of waiting) this.waiters.delete(w);
          continue;
        }
        for (const w of waiting) {
          w.target ??= events.get(w.position) ?? null;
          if (!w.target) {
            w.reject(
              problems.validation([
                { path: 'query.minPosition', message: `no event at position ${w.position}` },
              ]),
            );
            this.waiters.delete(w);
            continue;
          }
          const target = w.target;
          const behind = w.projections.filter((name) => {
            const checkpoint = at.get(name);
            if (checkpoint && atOrAfter(checkpoint, target)) return false;
            return !throughKafka.has(kafkaKey(target, name));
          });
          if (behind.length === 0) w.resolve();
          else if (w.signal?.aborted) w.reject(new Error('request aborted'));
          else if (now >= w.deadline) w.reject(lagging(w.position, behind, this.options.timeoutMs));
          else continue;
          this.waiters.delete(w);
        }
        if (this.waiters.size > 0) await new Promise((r) => setTimeout(r, this.pollIntervalMs));
      }
    } finally {
      this.polling = false;
    }
  }
}

/** The waiters' targets not reached by a log checkpoint: projections reading Kafka may have them. */
function behindOnLog(
  waiting: readonly Waiter[],
  events: ReadonlyMap<number, LogPoint>,
  at: ReadonlyMap<ProjectionName, LogPoint>,
): { targets: LogPoint[]; names: ProjectionName[] } {
  const targets = new Map<string, LogPoint>();
  const names = new Set<ProjectionName>();
  for (const w of waiting) {
    const target = w.target ?? events.get(w.position);
    if (!target) continue;
    for (const name of w.projections) {
      const checkpoint = at.get(name);
      if (checkpoint && atOrAfter(checkpoint, target)) continue;
      targets.set(`${target.transactionId}:${target.globalPosition}`, target);
      names.add(name);
    }
  }
  return { targets: [...targets.values()], names: [...names] };
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
