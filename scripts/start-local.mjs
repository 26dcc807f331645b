#!/usr/bin/env node
// `npm start` (after `prestart` installed packages, checked PostgreSQL/Redis and built): the local
// profile, or with KAFKA_BROKERS set the Kafka path (relay, Kafka-driven projections). Migrates the database (creating it if needed), then runs every service of the project
// side by side. SIGTERM/SIGINT are passed on so each finishes its work in hand and closes its
// connections; if one service dies, the others are stopped too and the exit code says so.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/meetings',
};
// With KAFKA_BROKERS set, the relay ships the log to Kafka and the projections read it from there.
const entries = {
  'command-service': 'command-service/dist/main.js',
  ...(process.env.KAFKA_BROKERS ? { 'kafka-relay': 'projection-workers/dist/relay/main.js' } : {}),
  'projection-workers': 'projection-workers/dist/main.js',
  'query-api': 'query-api/dist/main.js',
};
const services = Object.keys(entries).filter((name) => existsSync(join(root, entries[name])));

const migrated = spawnSync(process.execPath, [join(root, 'db/dist/cli/migrate.js'), 'latest'], {
  env,
  stdio: 'inherit',
});
if (migrated.status !== 0) process.exit(migrated.status ?? 1);

let stopping = false;
let exitCode = 0;
const children = services.map((name) => {
  const child = spawn(process.execPath, [join(root, entries[name])], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping the others`);
      exitCode = 1;
      stop('SIGTERM');
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
  return child;
});
console.error(`[start] running ${services.join(', ')}`);

function stop(signal) {
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => stop(signal));
