import type pg from 'pg';
import type { RelayGate } from '../../relay/ports.js';

/** The advisory lock key the relay's batches share and a pause holds alone. */
const RELAY_PAUSE_KEY = 'meetings:kafka-relay:pause';

/**
 * The relay's gate as a PostgreSQL advisory lock: each batch is published and committed holding
 * it shared, a pause holds it exclusively. Session-level, so a relay or a pauser that dies (even
 * SIGKILLed) frees it with its connection. PostgreSQL queues a shared request behind a waiting
 * exclusive one, so a pause is granted after the batch in flight, however busy the relay.
 */
export class PostgresRelayPause implements RelayGate {
  constructor(
    private readonly pool: pg.Pool,
    private readonly key = RELAY_PAUSE_KEY,
  ) {}

  async around<T>(work: () => Promise<T>): Promise<T> {
    const client = await this.lock('shared');
    try {
      return await work();
    } finally {
      await this.unlock(client, 'shared').catch(() => undefined);
    }
  }

  /**
   * Holds the relay still until `release`: once this resolves no batch is being published, and
   * none will be, so what Kafka holds is the log up to the relay's checkpoint.
   */
  async pause(): Promise<{ release(): Promise<void> }> {
    const client = await this.lock('exclusive');
    return { release: () => this.unlock(client, 'exclusive') };
  }

  /** A connection of the pool holding the lock in `mode`. */
  private async lock(mode: 'shared' | 'exclusive'): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    try {
      await client.query(`SELECT pg_advisory_lock${SUFFIX[mode]}(hashtextextended($1, 0))`, [this.key]);
      return client;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  private async unlock(client: pg.PoolClient, mode: 'shared' | 'exclusive'): Promise<void> {
    try {
      await client.query(`SELECT pg_advisory_unlock${SUFFIX[mode]}(hashtextextended($1, 0))`, [this.key]);
      client.release();
    } catch (error) {
      client.release(true); // its session ends, and the lock with it
      throw error;
    }
  }
}

const SUFFIX = { shared: '_shared', exclusive: '' } as const;
