import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  endOnExit,
  exited,
  exitedWithin,
  freePort,
  hasExited,
  PID_FILE,
  serverDir,
  sleep,
  sweepOnce,
  tail,
} from './server-process.js';

export interface PrivateRedis {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** Ends the server without saving (SHUTDOWN NOSAVE, or SIGKILL if that fails): everything in it is gone. */
  crash(): Promise<void>;
  /** Starts a new empty server on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/**
 * Sends one inline command and resolves with the first line of the answer (the server closing the
 * connection first, as SHUTDOWN does, resolves with ''). No client library: the db package has none.
 */
function command(port: number, line: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (error: Error | null) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(answer.split('\r\n')[0] ?? '');
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer to ${line} within ${timeoutMs} ms`)));
    socket.once('error', done);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) done(null);
    });
    socket.once('end', () => done(null));
    socket.write(`${line}\r\n`);
  });
}

/**
 * A Redis server of a test's own, on a free port, keeping nothing on disk: a test may crash it
 * (all data gone) and start a new empty one on the same port without touching the machine's server.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  await sweepOnce();
  const port = await freePort();
  const dir = await serverDir('redis');
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output: () => string = () => '';
  let removed = false;
  let stopped: Promise<void> | null = null;
  const forget = endOnExit({
    pid: () => (child && !hasExited(child) ? child.pid : undefined),
    signal: 'SIGKILL',
    dir,
  });

  async function start(): Promise<void> {
    if (removed) throw new Error('this private Redis was stopped for good');
    if (child && !hasExited(child)) return;
    const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'];
    const files = ['--dir', dir, '--pidfile', join(dir, PID_FILE.redis), '--logfile', ''];
    const started = spawn('redis-server', [...args, ...files, '--daemonize', 'no'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    output = tail(started.stdout);
    started.stderr.resume();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (hasExited(started)) {
        throw new Error(`redis-server exited (${started.exitCode ?? started.signalCode}):\n${output()}`);
      }
      const answer = await command(port, 'PING', 500).catch((error: Error) => error.message);
      if (answer === '+PONG') return;
      if (Date.now() > deadline) {
        throw new Error(
          `redis-server not answering PING within ${READY_TIMEOUT_MS} ms: ${answer}\n${output()}`,
        );
      }
      await sleep(25);
    }
  }

  async function crash(): Promise<void> {
    const running = child;
    if (!running || hasExited(running)) return;
    await command(port, 'SHUTDOWN NOSAVE').catch(() => undefined);
    if (!(await exitedWithin(running, 5000))) running.kill('SIGKILL');
    await exited(running);
  }

  try {
    await start();
  } catch (error) {
    const started = child as ChildProcess | null; // assigned by start()
    if (started && !hasExited(started)) started.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    forget();
    throw error;
  }

  return {
    port,
    url,
    crash,
    start,
    stop() {
      removed = true;
      stopped ??= crash().finally(async () => {
        await rm(dir, { recursive: true, force: true });
        forget();
      });
      return stopped;
    },
  };
}
