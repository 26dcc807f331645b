import { counter, gauge } from '@meetings/command-service/http';
import type { Registry } from '@meetings/command-service/http';
import type pg from 'pg';
import type { Outcome } from '../ports/task-queue.js';

/**
 * The AI worker's series: `ai_task_outcomes_total{outcome}` (what this process did with each task
 * it was handed) and `ai_tasks{status}` (the `ai_tasks` read model by status, read when scraped).
 * Returns the outcome hook the queue consumers call.
 */
export function aiWorkerMetrics(
  registry: Registry,
  pool: pg.Pool,
): (taskId: string, outcome: Outcome) => void {
  const outcomes = counter(registry, {
    name: 'ai_task_outcomes_total',
    help: 'Tasks this worker handled, by outcome (completed, failed, settled, taken, missing)',
    labelNames: ['outcome'] as const,
  });
  gauge(registry, {
    name: 'ai_tasks',
    help: 'AI tasks by status in the ai_tasks read model (all workers)',
    labelNames: ['status'] as const,
    async collect() {
      const { rows } = await pool.query<{ status: string; n: string }>(
        'SELECT status, count(*)::text AS n FROM ai_tasks GROUP BY status',
      );
      this.reset();
      for (const row of rows) this.set({ status: row.status }, Number(row.n));
    },
  });
  return (_taskId, outcome) => outcomes.inc({ outcome });
}
