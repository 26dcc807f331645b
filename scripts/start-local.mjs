#!/usr/bin/env node
// `npm start` (after `prestart` installed packages, checked PostgreSQL/Redis and built): the local
// profile — migrate the database (creating it if needed), then run the command service. SIGTERM and
// SIGINT are passed on so the service can finish in-flight requests and close its connections.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/meetings',
};

const migrated = spawnSync(process.execPath, [join(root, 'db/dist/cli/migrate.js'), 'latest'], {
  env,
  stdio: 'inherit',
});
if (migrated.status !== 0) process.exit(migrated.status ?? 1);

const service = spawn(process.execPath, [join(root, 'command-service/dist/main.js')], {
  env,
  stdio: 'inherit',
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => service.kill(signal));
service.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
