import knex from 'knex';
import type { Knex } from 'knex';
import { migrations } from './migrations/index.js';

const source: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(migrations.map(([name]) => name)),
  getMigrationName: (name) => name,
  getMigration: (name) => {
    const found = migrations.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return Promise.resolve(found[1]);
  },
};

export const migrationConfig: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' };

export function createKnex(databaseUrl: string): Knex {
  return knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 2 } });
}

export type MigrationCommand = 'latest' | 'up' | 'down' | 'rollback' | 'status';

/** Runs one migration command and returns the names it applied or reverted. */
export async function migrate(databaseUrl: string, command: MigrationCommand): Promise<string[]> {
  const db = createKnex(databaseUrl);
  try {
    switch (command) {
      case 'latest':
        return ((await db.migrate.latest(migrationConfig)) as [number, string[]])[1];
      case 'up':
        return ((await db.migrate.up(migrationConfig)) as [number, string[]])[1];
      case 'down':
        return ((await db.migrate.down(migrationConfig)) as [number, string[]])[1];
      case 'rollback':
        return ((await db.migrate.rollback(migrationConfig, true)) as [number, string[]])[1];
      case 'status': {
        const [done, pending] = (await db.migrate.list(migrationConfig)) as [{ name: string }[], string[]];
        return [...done.map((m) => `applied ${m.name}`), ...pending.map((name) => `pending ${name}`)];
      }
    }
  } finally {
    await db.destroy();
  }
}

/** Creates the database named in the URL when it does not exist yet (a fresh machine's first start). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`unsupported database name ${JSON.stringify(name)}`);
  url.pathname = '/postgres';
  const db = createKnex(url.toString());
  try {
    const { rows } = await db.raw<{ rows: unknown[] }>('SELECT 1 FROM pg_database WHERE datname = ?', [name]);
    if (rows.length > 0) return false;
    await db.raw(`CREATE DATABASE ${name}`);
    return true;
  } finally {
    await db.destroy();
  }
}
