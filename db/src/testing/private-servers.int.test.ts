import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPrivatePostgres } from './private-postgres.js';
import type { PrivatePostgres } from './private-postgres.js';
import { startPrivateRedis } from './private-redis.js';
import type { PrivateRedis } from './private-redis.js';
import { pidAlive, processRunning, sweepAbandonedServers } from './server-process.js';

/** One RESP command in inline form; resolves with the reply's payload (a bulk string's content). */
function redisCommand(port: number, line: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = '';
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const eol = buffer.indexOf('\r\n');
      if (eol < 0) return;
      const head = buffer.slice(0, eol);
      if (head[0] !== '$') {
        socket.destroy();
        if (head[0] === '-') reject(new Error(head));
        else resolve(head.slice(1));
        return;
      }
      const length = Number(head.slice(1));
      if (length < 0) {
        socket.destroy();
        resolve(null);
      } else if (Buffer.byteLength(buffer) >= eol + 2 + length + 2) {
        socket.destroy();
        resolve(buffer.slice(eol + 2, eol + 2 + length));
      }
    });
    socket.write(`${line}\r\n`);
  });
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('private PostgreSQL', () => {
  let server: PrivatePostgres | undefined;
  after(() => server?.stop());

  test('a synchronously committed table survives a crash; stop leaves no process nor data dir', async () => {
    server = await startPrivatePostgres({ settings: { synchronous_commit: 'on' } });
    assert.equal(server.adminUrl, `postgres://postgres@127.0.0.1:${server.port}/postgres`);
    const url = await server.createDatabase();
    const migrated = await withClient(url, (c) =>
      c.query<{ n: number }>(`SELECT count(*)::int AS n FROM knex_migrations`),
    );
    assert.ok(migrated.rows[0]!.n > 0, 'createDatabase migrates');
    const bare = await server.createDatabase({ migrate: false });
    const tables = await withClient(bare, (c) =>
      c.query(`SELECT 1 FROM pg_tables WHERE tablename = 'knex_migrations'`),
    );
    assert.equal(tables.rowCount, 0, 'migrate: false leaves the database empty');

    await withClient(url, async (c) => {
      await c.query(`SET synchronous_commit = on`);
      await c.query(`CREATE TABLE survivors (id int PRIMARY KEY, note text)`);
      await c.query(`INSERT INTO survivors SELECT g, 'row ' || g FROM generate_series(1, 1000) g`);
    });

    await server.crash();
    await assert.rejects(
      withClient(url, () => Promise.resolve()),
      /ECONNREFUSED/,
    );
    await server.crash(); // a second crash of a stopped server is a no-op
    await server.start();
    const survived = await withClient(url, (c) =>
      c.query<{ n: number; last: string }>(
        `SELECT count(*)::int AS n, max(note) FILTER (WHERE id = 1000) AS last FROM survivors`,
      ),
    );
    assert.deepEqual(survived.rows[0], { n: 1000, last: 'row 1000' });

    const pid = Number(readFileSync(`${server.dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    assert.ok(pid > 0 && pidAlive(pid), `postmaster ${pid} runs`);
    await server.stop();
    assert.ok(await waitGone(pid), `postmaster ${pid} is gone`);
    assert.equal(existsSync(server.dataDir), false, 'the data dir is removed');
    await server.stop(); // idempotent
    await assert.rejects(server.start(), /stopped for good/);
  });
});

describe('private Redis', () => {
  let server: PrivateRedis | undefined;
  after(() => server?.stop());

  test('a crash loses every key; stop leaves no process', async () => {
    server = await startPrivateRedis();
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    assert.equal(await redisCommand(server.port, 'SET greeting hello'), 'OK');
    assert.equal(await redisCommand(server.port, 'GET greeting'), 'hello');

    await server.crash();
    await assert.rejects(redisCommand(server.port, 'PING'), /ECONNREFUSED/);
    await server.start();
    assert.equal(await redisCommand(server.port, 'PING'), 'PONG');
    assert.equal(await redisCommand(server.port, 'GET greeting'), null);

    const info = (await redisCommand(server.port, 'INFO server')) ?? '';
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    assert.ok(pid > 0 && pidAlive(pid), `redis-server ${pid} runs`);
    await server.stop();
    assert.ok(await waitGone(pid), `redis-server ${pid} is gone`);
    await assert.rejects(redisCommand(server.port, 'PING'), /ECONNREFUSED/);
    await server.stop(); // idempotent
  });
});

describe('servers of a test process that died', () => {
  test('are ended and removed by the next sweep', async () => {
    // A test process that starts both servers and is then SIGKILLed: no 'exit' handler runs.
    const script = `
      import { startPrivatePostgres, startPrivateRedis } from '@meetings/db/testing';
      const [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
      console.log(JSON.stringify({ dataDir: pg.dataDir, redisPort: redis.port }));
      setInterval(() => {}, 1000);
    `;
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the child exited (${code})`)));
    });
    const { dataDir, redisPort } = JSON.parse(line) as { dataDir: string; redisPort: number };
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const redisPid = Number(
      /process_id:(\d+)/.exec((await redisCommand(redisPort, 'INFO server')) ?? '')?.[1],
    );
    const redisDirs = () =>
      readdirSync(tmpdir()).filter((name) => name.startsWith(`mtg-redis-${child.pid}-`));
    assert.equal(redisDirs().length, 1);

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.ok(pidAlive(postmaster) && pidAlive(redisPid), 'the servers outlive their test process');

    await sweepAbandonedServers();
    assert.ok(await waitGone(postmaster), `postmaster ${postmaster} is gone`);
    assert.ok(await waitGone(redisPid), `redis-server ${redisPid} is gone`);
    assert.equal(existsSync(dataDir), false);
    assert.deepEqual(redisDirs(), []);
  });
});
