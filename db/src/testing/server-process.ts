import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, realpath, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A loopback port nothing listens on now. Chosen at random below the kernel's ephemeral range:
 * a port the kernel handed out (listen on 0) and we released goes back to the pool that every
 * outgoing connection of a busy test run draws its source port from, so a server started on it a
 * moment later could find it taken. Below that range only another listener can collide, and two
 * test processes drawing the same port among thousands is rare enough for one retry to cover.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const first = 10_000;
  const last = Math.max(first + 1000, low) - 1;
  for (let i = 0; i < 50; i++) {
    const port = first + Math.floor(Math.random() * (last - first + 1));
    if (await bindable(port)) return port;
  }
  return listenOn(0);
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low! > 0 && high! >= low!) return [low!, high!];
  } catch {
    // not Linux: the IANA range
  }
  return [49152, 65535];
}

const bindable = (port: number) =>
  listenOn(port).then(
    () => true,
    () => false,
  );

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

export const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves once the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves once the child has exited, or false after `ms`. */
export async function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([exited(child).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True while a process with this pid exists (a zombie included). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while a process with this pid runs (not a zombie waiting to be reaped). */
export function processRunning(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

export type ServerKind = 'pg' | 'redis';

/** Where a server's files go: `<tmpdir>/mtg-<kind>-<owner pid>-XXXXXX`, so an abandoned one can be told. */
export function serverDir(kind: ServerKind): Promise<string> {
  return mkdtemp(join(tmpdir(), `mtg-${kind}-${process.pid}-`));
}

/** The file in a server's directory that holds the server's pid. */
export const PID_FILE: Record<ServerKind, string> = { pg: 'postmaster.pid', redis: 'redis.pid' };

let swept: Promise<void> | null = null;

/** sweepAbandonedServers, once per process. */
export function sweepOnce(): Promise<void> {
  swept ??= sweepAbandonedServers();
  return swept;
}

/**
 * Removes what test processes that died without cleaning up (SIGKILL, or a whole process group
 * killed at once, which leaves no time for 'exit' handlers) left behind: the directories of their
 * servers and, if still running, the servers themselves. Best effort.
 */
export async function sweepAbandonedServers(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^mtg-(pg|redis)-(\d+)-\w+$/.exec(name);
    const owner = Number(match?.[2]);
    if (!match || owner === process.pid || processRunning(owner)) continue;
    const dir = join(tmpdir(), name);
    const server = Number(
      (await readFile(join(dir, PID_FILE[match[1] as ServerKind]), 'utf8').catch(() => '')).split('\n')[0],
    );
    // Only a server working in that very directory (a pid can be reused).
    const cwd = server > 0 ? await readlink(`/proc/${server}/cwd`).catch(() => '') : '';
    if (server > 0 && processRunning(server) && cwd === (await realpath(dir).catch(() => dir))) {
      try {
        process.kill(server, match[1] === 'pg' ? 'SIGQUIT' : 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      for (let i = 0; i < 100 && processRunning(server); i++) await sleep(50);
    }
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Keeps the last `max` characters a stream wrote, for error messages. */
export function tail(stream: NodeJS.ReadableStream | null, max = 8192): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-max);
  });
  return () => text;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a dying test process must still end: a server process and the directory it used. */
interface Leftover {
  pid: () => number | undefined;
  /** The signal that makes the server end at once, cleaning up after itself. */
  signal: NodeJS.Signals;
  dir: string;
}

const leftovers = new Set<Leftover>();
let installed = false;

/**
 * Registers a server to end when this process exits without stopping it (a failed test, a
 * timeout's SIGTERM, Ctrl-C). The 'exit' handler can only do synchronous work, so it signals the
 * server and leaves the directory's removal to a detached shell that waits for the server to be gone.
 */
export function endOnExit(leftover: Leftover): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', () => {
      for (const left of leftovers) cleanUpNow(left);
    });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => process.exit(128 + (signal === 'SIGTERM' ? 15 : 2)));
    }
  }
  leftovers.add(leftover);
  return () => leftovers.delete(leftover);
}

function cleanUpNow(left: Leftover): void {
  const pid = left.pid();
  if (pid === undefined || !pidAlive(pid)) {
    rmSync(left.dir, { recursive: true, force: true });
    return;
  }
  try {
    process.kill(pid, left.signal);
  } catch {
    // already gone
  }
  // A server whose parent (this process) has died may linger as a zombie until init reaps it.
  const script = [
    `alive() { s=$(sed 's/.*) //' /proc/${pid}/stat 2>/dev/null | cut -c1); [ -n "$s" ] && [ "$s" != Z ]; }`,
    `i=0; while alive && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`,
    `kill -9 ${pid} 2>/dev/null; rm -rf "$0"`,
  ].join('\n');
  spawn('sh', ['-c', script, left.dir], { detached: true, stdio: 'ignore' }).unref();
}
