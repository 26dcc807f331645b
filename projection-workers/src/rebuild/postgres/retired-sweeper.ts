import type pg from 'pg';
import type { Logger } from 'pino';
import { dropRetiredGenerations } from './generations.js';

/**
 * Drops switched-out generations once their grace period is over, every `intervalMs`. Workers
 * may all run it: a schema another one dropped first is simply gone (DROP ... IF EXISTS).
 */
export function startRetiredSweeper(
  pool: pg.Pool,
  graceSeconds: number,
  logger: Logger,
  intervalMs = 60_000,
): { stop(): void } {
  const timer = setInterval(() => {
    dropRetiredGenerations(pool, graceSeconds).then(
      (dropped) => dropped.length > 0 && logger.info({ dropped }, 'retired projection generations dropped'),
      (error: unknown) => logger.warn({ err: error }, 'dropping retired projection generations failed'),
    );
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
