import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { deleteKeys } from '@meetings/command-service/testing';
import pg from 'pg';
import { runScenario } from '../testing/scenario.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'projections.ts');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(6).toString('hex')}:`;
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    await runScenario(new PostgresEventStore(pool), { seed: 3, users: 5, meetings: 5, events: 100 });
  } finally {
    await pool.end();
  }
});
after(async () => {
  await Promise.all([db.drop(), deleteKeys(redisUrl, prefix)]);
});

/** The real CLI process, as `npm run projections -- ...` starts it (without the bootstrap). */
function projectionsCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
  };
  delete env.KAFKA_BROKERS;
  delete env.MONGO_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', CLI, ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('the CLI process: status and replay exit 0, refused input exits 2 with the reason on stderr', async () => {
  const [status, replay, unknown, noKafka] = await Promise.all([
    projectionsCli('status'),
    projectionsCli('replay', 'meetings', '--category', 'meeting'),
    projectionsCli('replay', 'nope', '--stream', 'meeting-1'),
    projectionsCli('republish', '--from', '1', '--to', '2'),
  ]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^log: 100 events, last position 100$/m);
  assert.match(
    status.stdout,
    /^meetings +checkpoint \(none\) {2}behind \d+ events \([\d.]+ s\) {2}dead letters 0$/m,
  );
  assert.match(status.stdout, /^kafka-relay +has not run$/m);

  assert.equal(replay.code, 0, replay.stderr);
  assert.match(replay.stdout, /^meetings has not started \(no checkpoint\): nothing to replay/);

  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^unknown projection "nope"; known: /);
  assert.equal(noKafka.code, 2);
  assert.match(noKafka.stderr, /^republish needs KAFKA_BROKERS/m);
});
