import { PostgresEventStore } from '@meetings/db';
import type pg from 'pg';
import type { Logger } from 'pino';
import { EventStoreSource } from '../adapters/postgres/event-store-source.js';
import { PostgresLeaderLock } from '../adapters/postgres/postgres-leader-lock.js';
import { PostgresRelayOffsets } from '../adapters/postgres/postgres-relay-offsets.js';
import { PostgresRelayPause } from '../adapters/postgres/postgres-relay-pause.js';
import { PostgresTarget } from '../adapters/postgres/postgres-target.js';
import { EventRelay } from './event-relay.js';
import type { EventPublisher } from './ports.js';

export interface PostgresRelayOptions {
  pool: pg.Pool;
  /** For the lock's connection of its own. */
  databaseUrl: string;
  publisher: EventPublisher;
  logger: Logger;
  batchSize: number;
  pollIntervalMs?: number;
  /** Relays with the same key take turns; default: the one relay of this event store. */
  lockKey?: string;
  lockRetryMs?: number;
  /** Its checkpoint's name. */
  name?: string;
}

/**
 * A relay of the PostgreSQL event store's log: its checkpoint in projection_checkpoints, with the
 * partition offsets each batch ended at in relay_offsets (read-your-writes), its lock advisory, and
 * its batches gated so that a room-cache rebuild can hold it still (PostgresRelayPause).
 */
export function postgresRelay(options: PostgresRelayOptions): EventRelay<pg.ClientBase> {
  return new EventRelay({
    source: new EventStoreSource(new PostgresEventStore(options.pool), options.pollIntervalMs),
    publisher: options.publisher,
    checkpoints: new PostgresTarget(options.pool),
    offsets: new PostgresRelayOffsets(),
    lock: new PostgresLeaderLock(
      options.databaseUrl,
      options.lockKey ?? 'meetings:kafka-relay',
      options.lockRetryMs,
    ),
    gate: new PostgresRelayPause(options.pool),
    logger: options.logger,
    batchSize: options.batchSize,
    ...(options.name ? { name: options.name } : {}),
  });
}
