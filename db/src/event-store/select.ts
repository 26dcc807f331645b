import type { EventStore } from '@meetings/events';
import type pg from 'pg';
import { z } from 'zod';
import { EsdbEventStore } from './eventstoredb/esdb-event-store.js';
import { PostgresEventStore } from './postgres-event-store.js';

// Gossip seeds name several hosts (`esdb+discover://a:2113,b:2113`), which URL cannot parse.
const ESDB_CONNECTION = /^(?:esdb|kurrentdb|kdb)(?:\+discover)?:\/\/[^\s/?#]+(?:[/?][^\s]*)?$/;

/** Which event store a service appends to and reads from (README "EventStoreDB"). */
export const EVENT_STORE_SETTINGS = {
  EVENT_STORE: z.enum(['postgres', 'eventstoredb']).default('postgres'),
  /** The client's connection string, e.g. `esdb://127.0.0.1:2113?tls=false`. */
  EVENTSTORE_URL: z
    .string()
    .regex(
      ESDB_CONNECTION,
      'not an EventStoreDB connection string (esdb://, kurrentdb://, kdb://, +discover)',
    )
    .optional(),
};

export interface EventStoreSettings {
  EVENT_STORE: 'postgres' | 'eventstoredb';
  EVENTSTORE_URL?: string | undefined;
}

/** For a config schema's refine: EventStoreDB needs its URL. */
export const eventStoreUrlGiven = (c: EventStoreSettings) =>
  c.EVENT_STORE !== 'eventstoredb' || c.EVENTSTORE_URL !== undefined;
export const EVENTSTORE_URL_GIVEN = {
  message: 'EVENT_STORE=eventstoredb needs EVENTSTORE_URL',
  path: ['EVENTSTORE_URL'],
};

/** The selected store; an EventStoreDB store is closed by the caller (`close()`). */
export function createEventStore(
  settings: EventStoreSettings,
  pool: pg.Pool,
): EventStore & { close?: () => Promise<void> } {
  if (settings.EVENT_STORE === 'eventstoredb') {
    if (!settings.EVENTSTORE_URL) throw new TypeError(EVENTSTORE_URL_GIVEN.message);
    return EsdbEventStore.connect(settings.EVENTSTORE_URL);
  }
  return new PostgresEventStore(pool);
}
