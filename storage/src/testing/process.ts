import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

// The harness's process helpers are @meetings/db's (testing); only the cluster clean-up is its own.
import { hasExited } from '@meetings/db/testing';

const running = new Set<{ children: ChildProcess[]; dir: string }>();
let installed = false;

/**
 * Kills a cluster's daemons and removes its directory when this process exits without stopping it
 * (a failed test, a timeout's SIGTERM, Ctrl-C). 'exit' handlers run synchronously: SIGKILL by pid,
 * and a detached shell removes the directory once the daemons are gone.
 */
export function killOnExit(children: ChildProcess[], dir: string): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', () => {
      for (const cluster of running) {
        const pids = cluster.children.filter((c) => !hasExited(c) && c.pid).map((c) => c.pid!);
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        if (pids.length === 0) rmSync(cluster.dir, { recursive: true, force: true });
        else {
          const wait = pids.map((p) => `while kill -0 ${p} 2>/dev/null; do sleep 0.1; done`).join('; ');
          spawn('sh', ['-c', `${wait}; rm -rf "$0"`, cluster.dir], {
            detached: true,
            stdio: 'ignore',
          }).unref();
        }
      }
    });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => process.exit(128 + (signal === 'SIGTERM' ? 15 : 2)));
    }
  }
  const entry = { children, dir };
  running.add(entry);
  return () => running.delete(entry);
}
