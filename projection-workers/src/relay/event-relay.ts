import { privateCategories, START } from '@meetings/events';
import type { Logger } from 'pino';
import type { ProjectionTarget } from '../ports/checkpoint-store.js';
import type { EventSource } from '../ports/event-source.js';
import type { EventPublisher, LeaderLock, RelayGate, RelayOffsetLog } from './ports.js';

/** Where the relay has published up to: moved only after the broker acknowledged. */
export type RelayCheckpoints<Tx = unknown> = Pick<ProjectionTarget<Tx>, 'open'>;

export interface EventRelayOptions<Tx = unknown> {
  source: EventSource;
  publisher: EventPublisher;
  checkpoints: RelayCheckpoints<Tx>;
  /** Given: where each batch ended on each partition, recorded with the checkpoint it moves. */
  offsets?: RelayOffsetLog<Tx>;
  lock: LeaderLock;
  /** Given: each batch is published and committed inside it, so that others can hold the relay still. */
  gate?: RelayGate;
  logger: Logger;
  batchSize: number;
  /** The checkpoint's name (one relay per event store). */
  name?: string;
}

/**
 * Ships the global log to Kafka: tails it from its own checkpoint, publishes each batch, and moves
 * the checkpoint only once the broker has acknowledged the batch. A crash in between publishes the
 * batch again (projectors absorb the duplicates); nothing is ever skipped. Only the holder of the
 * lock relays, so two relays never interleave their batches.
 */
export class EventRelay<Tx = unknown> {
  private readonly name: string;

  constructor(private readonly options: EventRelayOptions<Tx>) {
    this.name = options.name ?? 'kafka-relay';
  }

  async run(signal: AbortSignal): Promise<void> {
    const { source, publisher, checkpoints, offsets, lock, gate, logger, batchSize } = this.options;
    logger.info('relay waiting for the lock');
    const held = await lock.acquire(signal);
    const stop = AbortSignal.any([signal, held.lost]);
    try {
      const checkpoint = await checkpoints.open(this.name);
      const from = checkpoint.checkpoint ?? START;
      let published = from;
      logger.info({ checkpoint: from }, 'relay active');
      const batches = source.batches(from, {
        filter: { excludeCategories: privateCategories },
        batchSize,
        signal: stop,
      });
      for await (const batch of batches) {
        if (held.lost.aborted) throw new Error('lost the relay lock');
        const before = published;
        const ship = async () => {
          const ended = batch.events.length > 0 ? await publisher.publish(batch.events) : undefined;
          // The offsets go with the checkpoint: a crash before this commit republishes the batch,
          // and only the republished copy's offsets are kept (consumers pass both).
          await checkpoint.commit(
            offsets && ended && ended.length > 0 ? (tx) => offsets.record(tx, before, ended) : null,
            batch.checkpoint,
          );
        };
        await (gate ? gate.around(ship) : ship());
        published = batch.checkpoint ?? published;
      }
      if (held.lost.aborted && !signal.aborted) throw new Error('lost the relay lock');
    } finally {
      await held.release();
    }
  }
}
