import type { EventStore, UpcasterRegistry } from '@meetings/events';
import type { Db } from '@meetings/db';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DeadLetterStore } from '../ports/dead-letter-store.js';
import type { Projection } from '../projections.js';
import type { EventPublisher } from '../relay/ports.js';

/** Where a command writes: results to `out` (stdout), progress and errors to `err` (stderr). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** What the commands work with; built from the environment by the CLI, by hand in tests. */
export interface CliContext {
  pool: pg.Pool;
  store: Pick<EventStore, 'readStream' | 'readAll' | 'readEventsById'>;
  upcasters: UpcasterRegistry;
  projections: readonly Projection[];
  deadLetters: DeadLetterStore;
  batchSize: number;
  /** The bulk load's batch size of a rebuild (PROJECTION_REBUILD_BULK_BATCH_SIZE). */
  bulkBatchSize?: number;
  /** Given (MONGO_URL set): the analytics database, for rebuilding `mongo-analytics`. */
  mongo?: Db;
  /** The live Redis (REDIS_KEY_PREFIX), for rebuilding the room cache. */
  redis?: { client: Redis; keyPrefix: string; notifyMaxAgeSeconds: number };
  /** Where rebuilds log (the CLI's own logger). */
  logger: Logger;
  /** How long a switched-out generation's tables are kept (PROJECTION_RETIRED_GRACE_SECONDS). */
  retiredGraceSeconds: number;
  /** The Kafka profile (KAFKA_BROKERS set): replay is not capped at a log checkpoint (see ops/replay.ts). */
  kafkaProfile: boolean;
  /** The relay's checkpoint name (its row in projection_checkpoints). */
  relayName: string;
  /** A connected publisher to the relay's topics; throws a UsageError without Kafka configured. */
  connectPublisher(): Promise<EventPublisher & { disconnect(): Promise<void> }>;
}

/** Exit status of a command: 0 done, 1 the work failed (in part), 2 refused input. */
export type ExitCode = 0 | 1 | 2;

export type Command = (ctx: CliContext, args: readonly string[], io: CliIo) => Promise<ExitCode>;
