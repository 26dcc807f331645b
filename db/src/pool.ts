import pg from 'pg';
import { isOutage } from './outage.js';
import type { FailureLogger } from './outage.js';

/** What a pool needs of a logger (pino's fits). */
export type PoolLogger = FailureLogger;

/** How long a request waits for a connection before failing (an outage must not hang requests). */
export const CONNECTION_TIMEOUT_MS = 5000;

/**
 * The PostgreSQL pool of every service. A connection that fails (the server died, restarted or
 * terminated it) is logged and dropped, never thrown: pg emits `'error'` on the client, and an
 * `'error'` event without a listener ends the process. The pool handles its idle clients; a client
 * checked out between two queries (a transaction in progress) would otherwise have no listener.
 * The next query opens a new connection, so the pool recovers by itself once the server is back.
 * Defaults (each may be overridden in `config`): a connection attempt gives up after
 * CONNECTION_TIMEOUT_MS, and TCP keepalive notices a peer that vanished.
 */
export function createPool(config: pg.PoolConfig, logger: PoolLogger, name = 'PostgreSQL'): pg.Pool {
  const pool = new pg.Pool({ connectionTimeoutMillis: CONNECTION_TIMEOUT_MS, keepAlive: true, ...config });
  const log = (error: Error, msg: string) => {
    if (isOutage(error)) logger.warn({ err: error, pool: name }, msg);
    else logger.error({ err: error, pool: name }, msg);
  };
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('error', (error) => log(error, 'idle PostgreSQL connection failed'));
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      // An idle client's failure is the pool's 'error' above; log each failure once.
      if (checkedOut.has(client)) log(error, 'PostgreSQL connection failed while checked out');
    });
  });
  return pool;
}
