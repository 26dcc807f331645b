import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';

/** True inside a network namespace whose only interface is loopback. */
export function inLoopbackNamespace(): boolean {
  return Object.keys(networkInterfaces()).every((name) => name === 'lo');
}

/**
 * Runs this very test file again inside a fresh loopback-only network namespace (`unshare -n`, as
 * root; infra/README: WebRTC peers must not see the machine's other addresses) and resolves with
 * its exit code. The test runner's flags are passed on and its output forwarded untouched, so the
 * runner reads the child's report as this file's. Nothing on the host's 127.0.0.1 is reachable
 * in there: the test starts its own PostgreSQL and Redis.
 */
export function rerunInLoopbackNamespace(): Promise<number> {
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
