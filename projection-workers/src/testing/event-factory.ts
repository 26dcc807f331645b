import { randomUUID } from 'node:crypto';
import { currentSchemaVersion } from '@meetings/events';
import type { DecodedEvent, EventData, EventMetadata, EventType } from '@meetings/events';

export type EventOf<T extends EventType> = Extract<DecodedEvent, { type: T }>;

export interface EventOptions {
  /** Defaults to one second after the factory's previous event. */
  occurredAt?: Date;
  eventId?: string;
  metadata?: Partial<EventMetadata>;
}

/**
 * Builds `DecodedEvent`s as a projector receives them: stream versions 1, 2, 3… per stream, global
 * positions (and checkpoints) growing across all streams, `occurredAt` a second apart unless given.
 */
export class EventFactory {
  private readonly versions = new Map<string, number>();
  private position = 0;
  private time: number;

  constructor(start = new Date('2026-03-02T09:00:00.000Z')) {
    this.time = start.getTime() - 1000;
  }

  event<T extends EventType>(
    streamId: string,
    type: T,
    data: EventData<T>,
    options: EventOptions = {},
  ): EventOf<T> {
    const streamVersion = (this.versions.get(streamId) ?? 0) + 1;
    this.versions.set(streamId, streamVersion);
    const globalPosition = ++this.position;
    this.time += 1000;
    return {
      eventId: options.eventId ?? randomUUID(),
      type,
      schemaVersion: currentSchemaVersion(type),
      streamId,
      streamVersion,
      globalPosition,
      checkpoint: { transactionId: globalPosition, globalPosition },
      occurredAt: options.occurredAt ?? new Date(this.time),
      metadata: {
        correlationId: `correlation-${globalPosition}`,
        causationId: null,
        actorUserId: null,
        idempotencyKey: null,
        ...options.metadata,
      },
      data,
    } as EventOf<T>;
  }
}
