import { z } from 'zod';

/** Who and what caused an event; carried from the HTTP request into every event it appends. */
export const EventMetadataSchema = z.object({
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  actorUserId: z.string().uuid().nullable(),
  idempotencyKey: z.string().min(1).max(200).nullable(),
});
export type EventMetadata = z.infer<typeof EventMetadataSchema>;

/** An event as a writer hands it to the event store, before it has a position. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  eventId: string;
  type: Type;
  schemaVersion: number;
  data: Data;
  metadata: EventMetadata;
  occurredAt: Date;
}

/**
 * Where an event sits in the global log. Readers order the log by (transactionId, globalPosition):
 * a plain sequence can commit out of order under concurrent writers, the writing transaction id
 * cannot be read before every earlier transaction has finished (see the PostgreSQL adapter).
 */
export interface Checkpoint {
  transactionId: number;
  globalPosition: number;
}

export const START: Checkpoint = Object.freeze({ transactionId: 0, globalPosition: 0 });

export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  return a.transactionId - b.transactionId || a.globalPosition - b.globalPosition;
}

export function formatCheckpoint(c: Checkpoint): string {
  return `${c.transactionId}:${c.globalPosition}`;
}

export function parseCheckpoint(text: string): Checkpoint {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match)
    throw new TypeError(
      `not a checkpoint: ${JSON.stringify(text)} (expected "<transactionId>:<globalPosition>")`,
    );
  return { transactionId: Number(match[1]), globalPosition: Number(match[2]) };
}

/** An event read back from the store: the envelope every consumer sees. */
export interface EventEnvelope<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  streamId: string;
  /** 1 for the first event of a stream. */
  streamVersion: number;
  globalPosition: number;
  checkpoint: Checkpoint;
}

export const EnvelopeSchema = z.object({
  eventId: z.string().uuid(),
  type: z.string().min(1),
  schemaVersion: z.number().int().positive(),
  streamId: z.string().min(1),
  streamVersion: z.number().int().positive(),
  globalPosition: z.number().int().positive(),
  occurredAt: z.date(),
  metadata: EventMetadataSchema,
  data: z.unknown(),
});
