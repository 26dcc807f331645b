import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deleteKeys } from '@meetings/command-service/testing';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { startPrivateS3 } from '@meetings/storage/testing';
import type { PrivateS3 } from '@meetings/storage/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createProjections } from '../projections.js';
import { readTables } from '../testing/read-tables.js';
import { runScenario } from '../testing/scenario.js';
import { rebuildProjections } from './rebuild-projections.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let s3: PrivateS3;
let source: TestDatabase;
let sourcePool: pg.Pool;
let dir: string;
const prefixes: string[] = [];
const created: string[] = [];

/** Runs `npm run backup|restore` as the root package.json does (without the bootstrap), to completion. */
function cli(name: 'backup' | 'restore', args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', `projection-workers/src/cli/${name}.ts`, ...args],
      { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const s3Env = () => ({ S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey });

/** A database name nobody created yet (the restore creates it), dropped after the file. */
function newDatabase(): { url: string; redisPrefix: string } {
  const name = `mtg_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const redisPrefix = `test:${randomBytes(6).toString('hex')}:`;
  prefixes.push(redisPrefix);
  return { url: url.toString(), redisPrefix };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backup-cli-'));
  [s3, source] = await Promise.all([startPrivateS3(), createTestDatabase()]);
  sourcePool = new pg.Pool({ connectionString: source.url, max: 10 });
  await runScenario(new PostgresEventStore(sourcePool), { seed: 77, users: 20, meetings: 20, events: 600 });
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  prefixes.push(prefix);
  const redis = new Redis(redisUrl, { keyPrefix: prefix });
  const deps = {
    pool: sourcePool,
    redis,
    redisKeyPrefix: prefix,
    logger: pino({ level: 'silent' }),
    batchSize: 2000,
    pollIntervalMs: 10,
    maxAttempts: 3,
    notifyMaxAgeSeconds: 600,
  };
  await rebuildProjections(deps, createProjections(deps));
  redis.disconnect();
});

after(async () => {
  await sourcePool?.end();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await Promise.all([source?.drop(), s3?.stop(), ...prefixes.map((p) => deleteKeys(redisUrl, p))]);
  await rm(dir, { recursive: true, force: true });
});

test('npm run backup to S3, then npm run restore from it into a new database: the read models are equal', async () => {
  const location = `s3://meeting-system/backups/${randomBytes(4).toString('hex')}/b.jsonl.gz`;
  const backup = await cli('backup', ['--to', location], { DATABASE_URL: source.url, ...s3Env() });
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(
    backup.stdout,
    new RegExp(`backup: wrote ${location} \\(\\d+ bytes gzip'd\\) in \\d+ ms: es_events \\d+`),
  );

  const again = await cli('backup', ['--to', location], { DATABASE_URL: source.url, ...s3Env() });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists: a backup never overwrites an object/);

  const target = newDatabase();
  const env = { DATABASE_URL: target.url, REDIS_KEY_PREFIX: target.redisPrefix, ...s3Env() };
  const restore = await cli('restore', [location], env);
  assert.equal(restore.code, 0, restore.stderr);
  assert.doesNotMatch(restore.stderr, /Warning/);
  assert.match(restore.stderr, /restore: loaded es_events \d+\/\d+/);
  assert.match(restore.stderr, /restore: rebuilding, (\d+)\/\1 projections at position \d+\n/);
  assert.match(
    restore.stdout,
    /loaded in \d+ ms .*transaction ids preserved\), projections rebuilt in \d+ ms/,
  );
  const restored = new pg.Pool({ connectionString: target.url, max: 2 });
  try {
    assert.deepEqual(await readTables(restored), await readTables(sourcePool));
  } finally {
    await restored.end();
  }

  const twice = await cli('restore', [location], env);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /restore refused: the database is not empty \(es_events/);
});

test('npm run backup to a file writes it for its owner only and never overwrites it', async () => {
  const file = join(dir, 'b.jsonl.gz');
  const first = await cli('backup', [`--to=${file}`], { DATABASE_URL: source.url });
  assert.equal(first.code, 0, first.stderr);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const second = await cli('backup', ['--to', file], { DATABASE_URL: source.url });
  assert.equal(second.code, 2);
  assert.match(second.stderr, /exists: a backup never overwrites a file/);
});

test('wrong arguments and a missing backup are refused with the usage or the reason', async () => {
  const none = await cli('restore', [], {});
  assert.equal(none.code, 2);
  assert.match(none.stderr, /restore: give the backup to restore\nusage: npm run restore -- /);
  const bad = await cli('backup', ['--to', 'ftp://x/y'], {});
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /only files and s3:\/\/<bucket>\/<key> are supported/);
  const target = newDatabase();
  const missing = await cli('restore', [join(dir, 'nothing.gz')], {
    DATABASE_URL: target.url,
    REDIS_KEY_PREFIX: target.redisPrefix,
  });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /restore refused: .*nothing\.gz: no such file/);
  const noS3 = await cli('restore', ['s3://meeting-system/x'], {
    DATABASE_URL: target.url,
    REDIS_KEY_PREFIX: target.redisPrefix,
    S3_ENDPOINT: '',
  });
  assert.equal(noS3.code, 2);
  assert.match(noS3.stderr, /an s3:\/\/ location needs S3_ENDPOINT/);
});
