import type { z } from 'zod';
import { aiTaskEventSchemas } from './ai/events.js';
import { mediaEventSchemas } from './media/events.js';
import { meetingEventSchemas, meetingPasscodeEventSchemas } from './meetings/events.js';
import { signalingSessionEventSchemas, systemConfigEventSchemas } from './platform/events.js';
import { userEventSchemas } from './users/events.js';

/** Every event type of the system with the schema of its current version. */
export const eventSchemas = {
  ...userEventSchemas,
  ...meetingEventSchemas,
  ...meetingPasscodeEventSchemas,
  ...mediaEventSchemas,
  ...systemConfigEventSchemas,
  ...signalingSessionEventSchemas,
  ...aiTaskEventSchemas,
} as const;

export type EventType = keyof typeof eventSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;
export type DomainEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];
export type DomainEventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

/** Current schema version per event type; a type absent here is at version 1. */
export const currentSchemaVersions: Partial<Record<EventType, number>> = {
  ParticipantJoined: 2,
  MeetingScheduled: 2,
  ParticipantRemoved: 2,
};

export function currentSchemaVersion(type: EventType): number {
  return currentSchemaVersions[type] ?? 1;
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}

export class UnknownEventTypeError extends Error {
  override readonly name = 'UnknownEventTypeError';
  constructor(readonly eventType: string) {
    super(`unknown event type ${JSON.stringify(eventType)}`);
  }
}

export class InvalidEventDataError extends Error {
  override readonly name = 'InvalidEventDataError';
  constructor(
    readonly eventType: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super(
      `invalid ${eventType} data: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
}

/** Validates event data against its type's current schema; writers call it before appending. */
export function parseEvent(type: string, data: unknown): DomainEvent {
  if (!isEventType(type)) throw new UnknownEventTypeError(type);
  const result = eventSchemas[type].safeParse(data);
  if (!result.success) throw new InvalidEventDataError(type, result.error.issues);
  return { type, data: result.data } as DomainEvent;
}
