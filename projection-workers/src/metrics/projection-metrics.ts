import { counter, histogram } from '@meetings/command-service/http';
import type { Registry } from '@meetings/command-service/http';
import type { RunnerMetrics } from '../ports/runner-metrics.js';

/** Batch sizes and dead letters of the runners: `projection_batch_size`, `projection_events_total`, `projection_dead_letters_total`. */
export function projectionMetrics(registry: Registry): RunnerMetrics {
  const batches = histogram(registry, {
    name: 'projection_batch_size',
    help: 'Events per batch a projection committed with its checkpoint',
    labelNames: ['projection'] as const,
    buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000],
  });
  const events = counter(registry, {
    name: 'projection_events_total',
    help: 'Events of the log a projection has read and committed past (applied or skipped)',
    labelNames: ['projection'] as const,
  });
  const deadLetters = counter(registry, {
    name: 'projection_dead_letters_total',
    help: 'Events a projection set aside in the dead letters since the process started',
    labelNames: ['projection'] as const,
  });
  return {
    batchApplied: (projection, size) => {
      batches.observe({ projection }, size);
      events.inc({ projection }, size);
    },
    deadLettered: (projection) => deadLetters.inc({ projection }),
  };
}
