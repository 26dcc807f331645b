import pg from 'pg';
import type { LeaderLock } from '../../relay/ports.js';
import { sleep } from '../../runner/sleep.js';

/**
 * A session-level advisory lock held on a connection of its own: PostgreSQL releases it when that
 * connection ends, so a relay that dies (even SIGKILLed) frees it at once, and a waiting relay takes
 * over at its next try. If the holder's connection fails, `lost` aborts: it may no longer hold it.
 */
export class PostgresLeaderLock implements LeaderLock {
  constructor(
    private readonly connectionString: string,
    private readonly key: string,
    private readonly retryMs = 1000,
  ) {}

  async acquire(signal: AbortSignal): Promise<{ lost: AbortSignal; release(): Promise<void> }> {
    // A standby keeps one connection while it waits, and opens another only when that one fails.
    let session: { client: pg.Client; lost: AbortController } | null = null;
    while (!signal.aborted) {
      try {
        session ??= await this.connect();
        const { client, lost } = session;
        if (lost.signal.aborted) throw new Error('lock connection lost');
        const { rows } = await client.query<{ held: boolean }>(
          'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held',
          [this.key],
        );
        if (rows[0]?.held) {
          return {
            lost: lost.signal,
            release: async () => {
              await client
                .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.key])
                .catch(() => {});
              await client.end().catch(() => {});
            },
          };
        }
      } catch {
        // The database is unreachable: try again later, like a held lock, on a new connection.
        await session?.client.end().catch(() => {});
        session = null;
      }
      await sleep(this.retryMs, signal);
    }
    await session?.client.end().catch(() => {});
    throw new Error('stopped before the lock was acquired');
  }

  private async connect(): Promise<{ client: pg.Client; lost: AbortController }> {
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
    const lost = new AbortController();
    client.on('error', () => lost.abort());
    client.on('end', () => lost.abort());
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return { client, lost };
  }
}
