import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../migrator.js';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

const adminUrl = () => process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const PREFIX = 'mtg_test_';
/** Older than this, a test database belongs to a run that died (a killed run cannot drop its own). */
const STALE_AFTER_MS = 6 * 3600_000;
let swept = false;

/** Drops test databases whose name says they were created more than STALE_AFTER_MS ago. */
export async function sweepStaleTestDatabases(
  options: { now?: number; among?: readonly string[] } = {},
): Promise<string[]> {
  const now = options.now ?? Date.now();
  const all = await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${PREFIX}%`],
    );
    return rows.map((r) => r.datname);
  });
  const names = options.among ? all.filter((name) => options.among!.includes(name)) : all;
  const stale = names.filter((name) => {
    const created = parseInt(name.slice(PREFIX.length).split('_')[0] ?? '', 36);
    return Number.isFinite(created) && now - created > STALE_AFTER_MS;
  });
  for (const name of stale) {
    // Another test process may be sweeping the same one.
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
  }
  return stale;
}

/** A fresh database on the real server for one test file, migrated unless asked not to. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (!swept) {
    swept = true;
    await sweepStaleTestDatabases();
  }
  const name = `${PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl(), name);
  if (options.migrate !== false) await migrate(url, 'latest');
  return {
    name,
    url,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
