import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endOnExit, exited, exitedWithin, freePort, hasExited, sleep, tail } from './server-process.js';

export interface PrivateEtcd {
  /** http://127.0.0.1:<client port>, the value of ETCD_ENDPOINTS. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/**
 * Debian's etcd (package etcd-server, installed by scripts/bootstrap.mjs) as a one-member cluster of
 * a test's own: free loopback ports, a temporary data directory, stopped by its pid.
 */
export async function startPrivateEtcd(): Promise<PrivateEtcd> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      // Another test process may bind a port between our choosing it and etcd binding it.
      if (attempt >= 3 || !(error instanceof PortTaken)) throw error;
    }
  }
}

class PortTaken extends Error {}

async function start(): Promise<PrivateEtcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  // etcd fsyncs its WAL at every write (3.4 has no --unsafe-no-fsync): on a disk shared with a busy
  // test run a slow fsync delays lease keep-alives past short test TTLs and live nodes look dead.
  // A test's data need not survive the machine, so it lives in memory when /dev/shm exists.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = await mkdtemp(join(base, `mtg-etcd-${process.pid}-`));
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child: ChildProcess = spawn(
    'etcd',
    [
      `--name=test`,
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
      '--log-level=error',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const forget = endOnExit({ pid: () => (hasExited(child) ? undefined : child.pid), signal: 'SIGKILL', dir });
  const output = tail(child.stderr);
  child.stdout?.resume();
  const stop = async () => {
    if (!hasExited(child)) {
      child.kill('SIGTERM');
      if (!(await exitedWithin(child, 5000))) child.kill('SIGKILL');
      await exited(child);
    }
    await rm(dir, { recursive: true, force: true });
    forget();
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const healthy = await fetch(`${endpoint}/health`)
      .then(async (res) => res.ok && ((await res.json()) as { health?: string }).health === 'true')
      .catch(() => false);
    if (healthy) return { endpoint, stop };
    if (hasExited(child) || Date.now() > deadline) {
      await stop();
      if (/address already in use/.test(output())) throw new PortTaken(output());
      throw new Error(`etcd did not become healthy within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await sleep(50);
  }
}
