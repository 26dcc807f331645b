import assert from 'node:assert/strict';
import type { DomainEvent } from '@meetings/events';
import { parseEvent } from '@meetings/events';
import type { Decider } from '../decider.js';
import { fold } from '../decider.js';
import { DomainError } from '../errors.js';

type DomainErrorClass = abstract new (...args: never[]) => DomainError;

/**
 * Given-When-Then for deciders: `given` events are folded into state, `when` decides a command
 * on it. Besides comparing with the expected events, `then` checks that every decided event
 * satisfies its published schema and can be applied by evolve, so a test cannot pass with an
 * event other services would reject.
 */
export function deciderSpec<Command, State, Event extends DomainEvent>(
  decider: Decider<Command, State, Event>,
) {
  return {
    given: (events: readonly Event[]) => ({
      when: (command: Command) => {
        const run = () => decider.decide(command, fold(decider, events));
        return {
          then(expected: readonly Event[]): void {
            const actual = run();
            assert.deepEqual(actual, expected);
            for (const event of actual) {
              assert.deepEqual(
                parseEvent(event.type, event.data),
                event,
                `${event.type} must match its schema`,
              );
            }
            fold(decider, [...events, ...actual]);
          },
          /** The command is accepted but changes nothing (idempotent repeats). */
          thenNothing(): void {
            assert.deepEqual(run(), []);
          },
          thenThrows(errorClass: DomainErrorClass, rule: string): void {
            assert.throws(run, (error: unknown) => {
              assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
              assert.ok(error instanceof DomainError);
              assert.equal(error.rule, rule);
              assert.match(error.message, /^[A-Z].*\.$/, 'messages are sentences a client can show');
              return true;
            });
          },
        };
      },
    }),
  };
}
