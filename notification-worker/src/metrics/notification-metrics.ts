import { NOTIFICATION_QUEUE_KEY } from '@meetings/events';
import { counter, gauge } from '@meetings/command-service/http';
import type { Registry } from '@meetings/command-service/http';
import type { Redis } from 'ioredis';
import type { JobOutcome } from '../notification-worker.js';
import { DEAD_KEY, RETRY_KEY } from '../queue/redis-job-queue.js';

/**
 * `notification_jobs_total{outcome}` (what this worker did with each job it took) and
 * `notification_queue_jobs{state}` (queued, waiting for a retry, dead: three O(1) reads of Redis
 * when scraped). Returns the outcome hook the worker calls.
 */
export function notificationMetrics(registry: Registry, redis: Redis): (outcome: JobOutcome) => void {
  const jobs = counter(registry, {
    name: 'notification_jobs_total',
    help: 'Notification jobs this worker took, by outcome (sent, retry, dead, logged, dropped, invalid)',
    labelNames: ['outcome'] as const,
  });
  gauge(registry, {
    name: 'notification_queue_jobs',
    help: 'Notification jobs in Redis by state (queued, retry, dead), all workers',
    labelNames: ['state'] as const,
    async collect() {
      const [queued, retry, dead] = await Promise.all([
        redis.llen(NOTIFICATION_QUEUE_KEY),
        redis.zcard(RETRY_KEY),
        redis.llen(DEAD_KEY),
      ]);
      this.set({ state: 'queued' }, queued);
      this.set({ state: 'retry' }, retry);
      this.set({ state: 'dead' }, dead);
    },
  });
  return (outcome) => jobs.inc({ outcome });
}
