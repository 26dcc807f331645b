import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../migrator.js';
import {
  endOnExit,
  exited,
  exitedWithin,
  freePort,
  hasExited,
  serverDir,
  sleep,
  sweepOnce,
  tail,
} from './server-process.js';

export interface PrivatePostgres {
  readonly port: number;
  readonly dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly adminUrl: string;
  /** Creates a database on this server, migrated (db's `migrate(url,'latest')`) unless migrate:false; returns its URL. */
  createDatabase(options?: { migrate?: boolean }): Promise<string>;
  /** `pg_ctl stop -m immediate`: a crash; committed-but-unflushed async commits may be lost. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data dir; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Fast shutdown (if running) and removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const READY_TIMEOUT_MS = 60_000;

/** initdb, pg_ctl and postgres refuse to run as root: as root, they run as the `postgres` user. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function run(command: string, args: string[], user: { uid: number; gid: number } | null): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(join(BIN, command), args, { ...(user ?? {}), cwd: '/' }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
      else resolve();
    });
  });
}

/**
 * A PostgreSQL 15 server of a test's own, on a free port and a fresh data directory under the
 * system's temporary directory: a test may crash it and start it again without touching the
 * machine's shared server. fsync stays on, so a crash loses what a real one would.
 */
export async function startPrivatePostgres(
  options: { settings?: Record<string, string> } = {},
): Promise<PrivatePostgres> {
  await sweepOnce();
  const user = serverUser();
  const port = await freePort();
  const dataDir = await serverDir('pg');
  const socketDir = join(dataDir, 'sockets');
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;
  let stderr: () => string = () => '';
  let removed = false;
  let stopped: Promise<void> | null = null;
  const forget = endOnExit({
    pid: () => (child && !hasExited(child) ? child.pid : undefined),
    signal: 'SIGQUIT',
    dir: dataDir,
  });

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    fsync: 'on',
    shared_buffers: '16MB',
    max_connections: '200',
    ...options.settings,
  };
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    socketDir,
    ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];

  async function start(): Promise<void> {
    if (removed) throw new Error('this private PostgreSQL was stopped for good');
    if (child && !hasExited(child)) return;
    const started = spawn(join(BIN, 'postgres'), args, {
      ...(user ?? {}),
      cwd: '/',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = started;
    stderr = tail(started.stderr);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (hasExited(started)) {
        throw new Error(`postgres exited (${started.exitCode ?? started.signalCode}):\n${stderr()}`);
      }
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`postgres not ready within ${READY_TIMEOUT_MS} ms: ${String(error)}\n${stderr()}`);
        }
        await sleep(50);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  async function shutdown(mode: 'immediate' | 'fast'): Promise<void> {
    const running = child;
    if (!running || hasExited(running)) return;
    try {
      await run('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '30'], user);
    } catch (error) {
      // pg_ctl found no postmaster.pid (the server is still starting, say): signal it directly.
      if (hasExited(running)) return;
      running.kill(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
      if (!(await exitedWithin(running, 30_000))) {
        running.kill('SIGKILL');
        throw error;
      }
    }
    await exited(running);
  }

  try {
    if (user) await chown(dataDir, user.uid, user.gid);
    await run(
      'initdb',
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-locale',
        '--no-sync',
        '--no-instructions',
      ],
      user,
    );
    await mkdir(socketDir);
    if (user) await chown(socketDir, user.uid, user.gid);
    await start();
  } catch (error) {
    await shutdown('immediate').catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    forget();
    throw error;
  }

  return {
    port,
    dataDir,
    adminUrl,
    async createDatabase(dbOptions = {}) {
      const name = `mtg_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const url = `postgres://postgres@127.0.0.1:${port}/${name}`;
      if (dbOptions.migrate !== false) await migrate(url, 'latest');
      return url;
    },
    crash: () => shutdown('immediate'),
    start,
    stop() {
      removed = true;
      stopped ??= shutdown('fast').finally(async () => {
        await rm(dataDir, { recursive: true, force: true });
        forget();
      });
      return stopped;
    },
  };
}
