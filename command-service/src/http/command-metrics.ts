import type { Registry } from 'prom-client';
import { counter } from './metrics.js';
import type { HttpResult } from './route-spec.js';
import type { HttpProblem } from './problem.js';

export interface CommandMetrics {
  /** An answer of the handler: accepted, or a refusal an idempotent replay repeats. */
  result(operation: string, result: HttpResult): void;
  /** A problem: refused (4xx) under its rule, failed (5xx). */
  problem(operation: string, problem: HttpProblem): void;
}

/**
 * `commands_total{operation, outcome, rule}`: what the command pipeline decided. The rule is the
 * problem's `rule` member (a code constant such as `meeting-not-cancelled`) or else its type
 * (`validation-failed`): a bounded set, never user input.
 */
export function commandMetrics(registry: Registry): CommandMetrics {
  const commands = counter(registry, {
    name: 'commands_total',
    help: 'Commands answered by the command pipeline, by operation, outcome (accepted, refused, failed) and rule',
    labelNames: ['operation', 'outcome', 'rule'] as const,
  });
  const count = (operation: string, status: number, rule: string) =>
    commands.inc({
      operation,
      outcome: status >= 500 ? 'failed' : status >= 400 ? 'refused' : 'accepted',
      rule,
    });
  return {
    result: (operation, result) => {
      const body = (result.body ?? {}) as { rule?: unknown; type?: unknown };
      const named =
        typeof body.rule === 'string'
          ? body.rule
          : typeof body.type === 'string'
            ? body.type.replace('/problems/', '')
            : 'unknown';
      count(operation, result.status, result.status >= 400 ? named : 'none');
    },
    problem: (operation, problem) =>
      count(
        operation,
        problem.status,
        typeof problem.extensions.rule === 'string' ? problem.extensions.rule : problem.type,
      ),
  };
}
