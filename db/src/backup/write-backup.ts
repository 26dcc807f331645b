import { Readable } from 'node:stream';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { BACKUP_FORMAT, BACKUP_VERSION, line, LineDigest } from './format.js';
import type { BackupHeader } from './format.js';
import { BACKED_UP_SECTIONS } from './tables.js';

const FETCH_ROWS = 5_000;

export interface BackupProgress {
  section: string;
  rows: number;
  total: number;
}

export interface BackupSummary {
  header: BackupHeader;
  bytes: number;
}

/**
 * Writes the log and the write side's state (see tables.ts) to `destination` as a gzip'd backup
 * file (format.ts). Everything is read in one REPEATABLE READ snapshot: the events, keys and
 * idempotency records are those of one instant, and an append committing meanwhile is either
 * wholly in the file or not at all. Writers are never blocked.
 */
export async function writeBackup(
  pool: pg.Pool,
  destination: Writable,
  onProgress: (p: BackupProgress) => void = () => undefined,
): Promise<BackupSummary> {
  const client = await pool.connect();
  let bytes = 0;
  let header: BackupHeader | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    header = await readHeader(client);
    const counted = header;
    const digest = new LineDigest();
    async function* lines(): AsyncGenerator<string> {
      const first = line('H', JSON.stringify(counted));
      digest.add(first);
      yield first;
      for (const [i, section] of BACKED_UP_SECTIONS.entries()) {
        const start = line('S', JSON.stringify({ name: section.name }));
        digest.add(start);
        yield start;
        const total = counted.sections[i]!.rows;
        let rows = 0;
        await client.query(`DECLARE backup_rows NO SCROLL CURSOR FOR ${section.select}`);
        for (;;) {
          const page = await client.query<{ line: string }>(`FETCH ${FETCH_ROWS} FROM backup_rows`);
          if (page.rows.length === 0) break;
          let chunk = '';
          for (const row of page.rows) chunk += line('R', row.line);
          digest.add(chunk, page.rows.length);
          rows += page.rows.length;
          onProgress({ section: section.name, rows, total });
          yield chunk;
        }
        await client.query('CLOSE backup_rows');
      }
      const lineCount = digest.count;
      yield line('E', JSON.stringify({ sha256: digest.hex(), lines: lineCount }));
    }
    const gzip = createGzip();
    gzip.on('data', (b: Buffer) => (bytes += b.length));
    await pipeline(Readable.from(lines()), gzip, destination);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return { header, bytes };
}

async function readHeader(client: pg.PoolClient): Promise<BackupHeader> {
  const migrations = await client.query<{ name: string }>('SELECT name FROM knex_migrations ORDER BY id');
  const head = await client.query<{ transaction_id: string; global_position: string }>(
    `SELECT transaction_id::text, global_position::text FROM es_events
     ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  const transactions = await client.query<{ n: number }>(
    'SELECT count(DISTINCT transaction_id)::int AS n FROM es_events',
  );
  const sections = [];
  for (const section of BACKED_UP_SECTIONS) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (${section.select}) s`,
    );
    sections.push({ name: section.name, rows: rows[0]!.n });
  }
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: new Date().toISOString(),
    migrations: migrations.rows.map((r) => r.name),
    head: {
      transactionId: head.rows[0]?.transaction_id ?? '0',
      globalPosition: head.rows[0]?.global_position ?? '0',
    },
    transactions: transactions.rows[0]!.n,
    sections,
  };
}
