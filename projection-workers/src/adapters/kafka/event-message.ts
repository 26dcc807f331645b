import type { EventEnvelope } from '@meetings/events';
import type { IHeaders, Message } from 'kafkajs';

/**
 * An event as a Kafka message: key = stream id (one partition per stream, so stream order), the
 * whole envelope as JSON in the value, and the coordinates a consumer routes or filters on in
 * headers, so that neither has to parse the value.
 */
export function toMessage(event: EventEnvelope): Message {
  return {
    key: event.streamId,
    value: JSON.stringify({
      eventId: event.eventId,
      type: event.type,
      schemaVersion: event.schemaVersion,
      streamId: event.streamId,
      streamVersion: event.streamVersion,
      globalPosition: event.globalPosition,
      transactionId: event.checkpoint.transactionId,
      occurredAt: event.occurredAt.toISOString(),
      metadata: event.metadata,
      data: event.data,
    }),
    headers: {
      type: event.type,
      'schema-version': String(event.schemaVersion),
      'event-id': event.eventId,
      'stream-version': String(event.streamVersion),
      'global-position': String(event.globalPosition),
      'transaction-id': String(event.checkpoint.transactionId),
    },
  };
}

interface Body {
  eventId: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  transactionId: number;
  occurredAt: string;
  metadata: EventEnvelope['metadata'];
  data: unknown;
}

/** The envelope back from a message's value (the consumer validates `data` when decoding it). */
export function fromMessage(value: Buffer | null): EventEnvelope {
  if (!value) throw new Error('a message without a value');
  const body = JSON.parse(value.toString('utf8')) as Body;
  return {
    eventId: body.eventId,
    type: body.type,
    schemaVersion: body.schemaVersion,
    streamId: body.streamId,
    streamVersion: body.streamVersion,
    globalPosition: body.globalPosition,
    checkpoint: { transactionId: body.transactionId, globalPosition: body.globalPosition },
    occurredAt: new Date(body.occurredAt),
    metadata: body.metadata,
    data: body.data,
  };
}

/** A header's text (kafkajs hands headers back as Buffers). */
export function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}
