import { decodeEvent } from '@meetings/events';
import type { EventStore, UpcasterRegistry } from '@meetings/events';
import { applyOutsideRuns } from './ops/apply-outside-runs.js';
import type { DeadLetterStore } from './ports/dead-letter-store.js';
import type { Projection } from './projections.js';

export type RetryOutcome = { status: 'resolved' } | { status: 'failed'; error: string };

/**
 * Applies a dead-lettered event again (after the cause was fixed). Rows already past the event's
 * stream version ignore it, as with any replay: a stream whose later events applied meanwhile is
 * made whole by rebuilding the projection instead.
 */
export async function retryDeadLetter(
  id: number,
  deps: {
    deadLetters: DeadLetterStore;
    store: Pick<EventStore, 'readEventsById'>;
    upcasters: UpcasterRegistry;
    projections: readonly Projection[];
  },
): Promise<RetryOutcome> {
  const letter = await deps.deadLetters.get(id);
  if (!letter) throw new Error(`no dead letter ${id}`);
  const projection = deps.projections.find((p) => p.projector.name === letter.projection);
  if (!projection) throw new Error(`no projection named ${letter.projection}`);
  const [recorded] = await deps.store.readEventsById([letter.eventId]);
  if (!recorded) throw new Error(`event ${letter.eventId} is not in the store`);
  try {
    const event = decodeEvent(deps.upcasters, recorded);
    await applyOutsideRuns(projection, [event]);
    await deps.deadLetters.markResolved(id);
    return { status: 'resolved' };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await deps.deadLetters.markFailedAgain(id, message);
    return { status: 'failed', error: message };
  }
}
