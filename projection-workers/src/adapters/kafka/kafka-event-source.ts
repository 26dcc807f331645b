import type { ConsumerConfig, Kafka, KafkaMessage } from 'kafkajs';
import type { EventEnvelope } from '@meetings/events';
import type { Logger } from 'pino';
import type { EventBatch, EventSource, EventSourceOptions } from '../../ports/event-source.js';
import { fromMessage, header } from './event-message.js';

/** Where a message sits in Kafka: what a dead letter carries back to ops. */
export interface KafkaCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

/** A message that is not an event at all (its value does not parse): it goes straight to the DLQ. */
export type UnreadableMessage = (
  coordinates: KafkaCoordinates,
  message: KafkaMessage,
  error: string,
) => Promise<void>;

interface Handoff {
  batch: EventBatch;
  applied: () => void;
  abandoned: (error: Error) => void;
}

export interface KafkaEventSourceOptions {
  groupId: string;
  topics: readonly string[];
  logger: Logger;
  consumer?: Partial<ConsumerConfig>;
  onUnreadable: UnreadableMessage;
  /** Told where the projection stands on a partition once a chunk is applied (read-your-writes). */
  onApplied?: (topic: string, partition: number, nextOffset: bigint) => Promise<void>;
}

/**
 * The full profile's source: one consumer group per projection over the domain topics. Each
 * partition's messages are handed over in chunks of the batch size, in partition (so stream)
 * order; a chunk's offsets are committed only after the runner applied it, so a crash or a
 * rebalance redelivers, never skips. Messages of types the projection does not read are skipped
 * from their `type` header without being parsed.
 */
export class KafkaEventSource implements EventSource {
  /** Coordinates of the events handed over and not yet applied, for dead letters. */
  readonly coordinates = new Map<string, KafkaCoordinates>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaEventSourceOptions,
  ) {}

  async *batches(_from: unknown, options: EventSourceOptions): AsyncIterable<EventBatch> {
    const types = options.filter?.eventTypes ? new Set(options.filter.eventTypes) : null;
    const consumer = this.kafka.consumer({ ...this.options.consumer, groupId: this.options.groupId });
    const waiting: Handoff[] = [];
    let wake: (() => void) | null = null;
    const consumerState: { failed: Error | null } = { failed: null };
    let current: Handoff | null = null;
    const onAbort = () => wake?.();
    options.signal.addEventListener('abort', onAbort);
    const crashed = (error: Error) => {
      consumerState.failed = error;
      wake?.();
    };
    consumer.on(consumer.events.CRASH, ({ payload }) => crashed(payload.error));
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          for (let i = 0; i < batch.messages.length; i += options.batchSize) {
            if (!payload.isRunning() || payload.isStale()) return;
            const chunk = batch.messages.slice(i, i + options.batchSize);
            const events: EventEnvelope[] = [];
            for (const message of chunk) {
              const type = header(message.headers, 'type');
              if (types && type !== undefined && !types.has(type)) continue;
              const at = { topic: batch.topic, partition: batch.partition, offset: message.offset };
              try {
                const event = fromMessage(message.value);
                if (!types || types.has(event.type)) {
                  events.push(event);
                  this.coordinates.set(event.eventId, at);
                }
              } catch (error) {
                await this.options.onUnreadable(at, message, String(error));
              }
            }
            if (events.length > 0) {
              await new Promise<void>((applied, abandoned) => {
                waiting.push({ batch: { events, checkpoint: null }, applied, abandoned });
                wake?.();
              });
              for (const e of events) this.coordinates.delete(e.eventId);
            }
            const last = chunk.at(-1)!.offset;
            const next = BigInt(last) + 1n;
            await this.options.onApplied?.(batch.topic, batch.partition, next);
            payload.resolveOffset(last);
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: next.toString() },
            ]);
            await payload.heartbeat();
          }
        },
      });
      while (!options.signal.aborted) {
        if (consumerState.failed) throw consumerState.failed;
        current = waiting.shift() ?? null;
        if (!current) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        // Resumed only once the runner has applied the batch (or never, when it failed).
        yield current.batch;
        current.applied();
        current = null;
      }
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      // Batches handed over but not applied: their offsets must not be committed.
      for (const h of [...(current ? [current] : []), ...waiting.splice(0)])
        h.abandoned(new Error('the projection stopped before applying the batch'));
      this.coordinates.clear();
      await consumer.disconnect();
    }
  }
}
