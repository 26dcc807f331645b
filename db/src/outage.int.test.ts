import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { isOutage } from './outage.js';
import { createPool } from './pool.js';
import { startPrivatePostgres } from './testing/private-postgres.js';
import type { PrivatePostgres } from './testing/private-postgres.js';

/** A logger that keeps what it was told. */
function recorder() {
  const lines: { level: 'warn' | 'error'; msg: string; err: unknown }[] = [];
  return {
    lines,
    warn: (obj: object, msg: string) =>
      lines.push({ level: 'warn', msg, err: (obj as { err: unknown }).err }),
    error: (obj: object, msg: string) =>
      lines.push({ level: 'error', msg, err: (obj as { err: unknown }).err }),
  };
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  assert.fail('expected a failure');
}

async function listen(onConnection: (socket: Socket) => void): Promise<Server & { port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

describe('outages seen by a pool (fake servers)', () => {
  test('a closed port is an outage', async () => {
    const port = await listen(() => undefined).then(
      (s) => new Promise<number>((resolve) => s.close(() => resolve(s.port))),
    );
    const pool = createPool({ connectionString: `postgres://postgres@127.0.0.1:${port}/x` }, recorder());
    const error = await failure(() => pool.query('SELECT 1'));
    assert.equal((error as { code?: string }).code, 'ECONNREFUSED');
    assert.ok(isOutage(error));
    await pool.end();
  });

  test('a server that accepts and never answers fails within connectionTimeoutMillis', async () => {
    const sockets: Socket[] = [];
    const silent = await listen((socket) => sockets.push(socket));
    const pool = createPool(
      { connectionString: `postgres://postgres@127.0.0.1:${silent.port}/x`, connectionTimeoutMillis: 300 },
      recorder(),
    );
    const started = Date.now();
    const error = await failure(() => pool.query('SELECT 1'));
    assert.ok(Date.now() - started < 2000, `failed after ${Date.now() - started} ms`);
    assert.ok(isOutage(error), String(error));
    await pool.end();
    sockets.forEach((s) => s.destroy());
    silent.close();
  });

  test('a server that hangs up is an outage', async () => {
    const rude = await listen((socket) => socket.destroy());
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${rude.port}/x` });
    const error = await failure(() => client.connect());
    assert.match(String(error), /Connection terminated/);
    assert.ok(isOutage(error));
    rude.close();
  });
});

describe('outages seen by a pool (a private PostgreSQL)', () => {
  let server: PrivatePostgres;
  let url: string;
  before(async () => {
    server = await startPrivatePostgres({
      settings: { max_connections: '6', superuser_reserved_connections: '0' },
    });
    url = await server.createDatabase({ migrate: false });
  });
  after(() => server.stop());

  test('a terminated backend and too many clients are outages', async () => {
    const logger = recorder();
    const pool = createPool({ connectionString: url, max: 2 }, logger);
    const held = await pool.connect();
    const { rows } = await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const error = await failure(() => held.query('SELECT 1'));
    assert.ok(isOutage(error), String(error));
    held.release(true);
    const terminated = logger.lines.find((l) => (l.err as { code?: string }).code === '57P01');
    assert.ok(terminated, JSON.stringify(logger.lines));
    assert.equal(terminated.level, 'warn');

    const clients: pg.Client[] = [admin];
    let refused: unknown;
    for (let i = 0; i < 10 && !refused; i++) {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        clients.push(client);
      } catch (e) {
        refused = e;
      }
    }
    assert.equal((refused as { code?: string }).code, '53300');
    assert.ok(isOutage(refused));
    await Promise.all(clients.map((c) => c.end()));
    await pool.end();
  });

  test('a crash fails held, busy and new connections as outages, logs warnings and never throws; the pool recovers', async () => {
    const logger = recorder();
    const pool = createPool({ connectionString: url, max: 4 }, logger);
    const held = await pool.connect(); // between two queries of a transaction
    await held.query('BEGIN');
    const busy = await pool.connect();
    const inFlight = failure(() => busy.query('SELECT pg_sleep(10)'));
    const idle = await pool.connect();
    idle.release();
    await new Promise((resolve) => setTimeout(resolve, 100));

    await server.crash();
    const inFlightError = await inFlight;
    assert.ok(isOutage(inFlightError), String(inFlightError));
    const heldError = await failure(() => held.query('SELECT 1'));
    assert.ok(isOutage(heldError), String(heldError));
    held.release(true);
    busy.release(true);
    const downError = await failure(() => pool.query('SELECT 1'));
    assert.equal((downError as { code?: string }).code, 'ECONNREFUSED');
    assert.ok(isOutage(downError));

    assert.ok(logger.lines.length >= 2, JSON.stringify(logger.lines));
    assert.deepEqual(
      logger.lines.filter((l) => l.level !== 'warn'),
      [],
      'connection losses are warnings',
    );
    const messages = new Set(logger.lines.map((l) => l.msg));
    assert.ok(messages.has('idle PostgreSQL connection failed'), [...messages].join());
    assert.ok(messages.has('PostgreSQL connection failed while checked out'), [...messages].join());

    await server.start();
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(rows[0]!.one, 1);
    await pool.end();
  });
});
