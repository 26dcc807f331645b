import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@meetings/events';

/** Minimal well-formed events for exercising the store (the store does not interpret data). */
export function newEvents(count: number, type = 'TestEvent'): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    data: { n: i },
    metadata: { correlationId: 'test', causationId: null, actorUserId: null, idempotencyKey: null },
    occurredAt: new Date(),
  }));
}
