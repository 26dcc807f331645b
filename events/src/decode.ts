import type { EventEnvelope } from './envelope.js';
import type { DomainEvent, EventData, EventType } from './registry.js';
import type { UpcasterRegistry } from './upcasting/upcaster-registry.js';

/** A stored event decoded at its type's current schema version. */
export type DecodedEvent = { [T in EventType]: EventEnvelope<T, EventData<T>> }[EventType];

/**
 * Upcasts and validates a recorded event. Throws (UnknownEventTypeError, MissingUpcasterError,
 * InvalidEventDataError) when it cannot: aggregates treat that as a fault, projectors dead-letter it.
 */
export function decodeEvent(upcasters: UpcasterRegistry, recorded: EventEnvelope): DecodedEvent {
  const { event, schemaVersion } = upcasters.upcast(recorded.type, recorded.schemaVersion, recorded.data);
  return { ...recorded, type: event.type, data: event.data, schemaVersion } as DecodedEvent;
}

export type { DomainEvent };
