#!/usr/bin/env node
// Runs every *.test.ts of the workspaces with node's test runner (TypeScript through tsx, the
// workspace packages resolved to their sources). Fails when no test ran. The tests get
// MEDIASOUP_WORKER_BIN, when it is not set, pointing at the cached worker that bootstrap builds.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerBinaryPath } from './mediasoup-worker-path.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const workspaces = [
  'events',
  'db',
  'storage',
  'command-service',
  'projection-workers',
  'query-api',
  'notification-worker',
  'sfu-node',
  'web-client',
  'ai-worker',
  // Not a workspace: the repository-level checks (docker-compose.int.test.ts).
  'scripts',
];
const filter = process.argv.slice(2);

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (/\.(unit|int|e2e)\.test\.ts$/.test(entry.name)) found.push(relative(root, path));
  }
  return found;
}

const files = workspaces
  .flatMap((ws) => findTests(join(root, ws)))
  .filter((f) => filter.length === 0 || filter.some((pattern) => f.includes(pattern)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    ...files,
  ],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      // Workers started by the tests serve /metrics on any free port, never a fixed one two runs share.
      METRICS_PORT: process.env.METRICS_PORT || '0',
      MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN || workerBinaryPath(),
    },
  },
);
// node's summary ("ℹ tests N", "ℹ pass N", ...) can be followed by failure details; keep the
// counts and repeat them as the last line, in the plain form CI reads.
const counts = {};
let pending = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  for (const m of pending.matchAll(/^\S* ?(tests|pass|fail|skipped|todo|cancelled) (\d+)$/gm))
    counts[m[1]] = Number(m[2]);
  pending = pending.slice(pending.lastIndexOf('\n') + 1);
});
child.on('close', (code) => {
  const failed = (counts.fail ?? 0) + (counts.cancelled ?? 0);
  console.log(
    `${counts.pass ?? 0} passed, ${failed} failed, ${(counts.skipped ?? 0) + (counts.todo ?? 0)} skipped`,
  );
  if (!counts.tests) {
    console.error('no test was executed');
    process.exit(1);
  }
  process.exit(failed > 0 ? 1 : (code ?? 1));
});
