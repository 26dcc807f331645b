import { gauge } from '@meetings/command-service/http';
import type { Registry } from '@meetings/command-service/http';
import { privateCategories } from '@meetings/events';
import type pg from 'pg';
import { logLag } from '../adapters/postgres/log-lag.js';
import { loadCheckpoint } from '../adapters/postgres/postgres-target.js';

/**
 * The relay's lag behind the log, from its committed checkpoint (so any relay process, holding
 * the lock or waiting for it, reports the same): `relay_lag_events` (events it ships still
 * unpublished) and `relay_lag_seconds` (age of the oldest). Read when scraped.
 */
export function relayMetrics(registry: Registry, pool: pg.Pool, name = 'kafka-relay'): void {
  const measure = async () =>
    logLag(pool, await loadCheckpoint(pool, name), { excludeCategories: privateCategories });
  gauge(registry, {
    name: 'relay_lag_events',
    help: 'Events of the log the relay has not published to Kafka yet (per its committed checkpoint)',
    async collect() {
      this.set((await measure()).events);
    },
  });
  gauge(registry, {
    name: 'relay_lag_seconds',
    help: 'Age of the oldest event the relay has not published yet (0 when caught up)',
    async collect() {
      this.set((await measure()).seconds);
    },
  });
}
