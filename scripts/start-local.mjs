#!/usr/bin/env node
// `npm start` (after `prestart` installed packages, checked PostgreSQL/Redis and built): the local
// profile, or with KAFKA_BROKERS set the Kafka path (relay, Kafka-driven projections). Migrates the
// database (creating it if needed), then runs every service of the project side by side.
// A service that exits unexpectedly (a crash, a failed start while PostgreSQL or Redis is down) is
// started again after a pause that doubles at each exit, up to RESTART_MAX_DELAY_MS, and starts
// over from RESTART_MIN_DELAY_MS once the service had run STABLE_AFTER_MS. SIGTERM/SIGINT are passed
// on (once) so each service finishes its work in hand and closes its connections; the exit code is
// then 0 if every service stopped cleanly. A second signal kills what still runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerBinaryPath } from './mediasoup-worker-path.mjs';

const RESTART_MIN_DELAY_MS = 500;
/** A service's exit code for a wrong setting (EXIT_CONFIG in events/src/config.ts): not restarted. */
const EXIT_CONFIG = 78;
const RESTART_MAX_DELAY_MS = 10_000;
const STABLE_AFTER_MS = 30_000;
/** A service still running this long after the stop signal is killed. */
const STOP_TIMEOUT_MS = 30_000;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The web client's page calls the two APIs from its own origin: they allow it (CORS).
const webOrigin = `http://${process.env.WEB_CLIENT_HOST ?? '127.0.0.1'}:${process.env.WEB_CLIENT_PORT ?? 3003}`;
const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/meetings',
  // The worker binary that bootstrap builds (scripts/build-mediasoup-worker.mjs), unless set.
  MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN || workerBinaryPath(),
  CORS_ORIGINS: process.env.CORS_ORIGINS ?? webOrigin,
  // Without etcd there is one SFU node, this one; with etcd the page asks the query API where to go.
  ...(process.env.ETCD_ENDPOINTS
    ? {}
    : {
        WEB_CLIENT_SFU_URL:
          process.env.WEB_CLIENT_SFU_URL ??
          `ws://${process.env.SFU_HOST ?? '127.0.0.1'}:${process.env.SFU_PORT ?? 3002}/ws`,
      }),
};
// The SFU only with its worker binary: without it the rest of the system still runs.
const sfuWorkerBuilt = existsSync(env.MEDIASOUP_WORKER_BIN);
/**
 * Node flags per service. The projection worker allocates many short-lived objects per batch (a
 * batch's events, rows and COPY text): a larger young generation lets most of them die there
 * instead of being promoted and collected by full GCs (bench:project: the blue/green rebuild of
 * 100,000 events went from 0.79x to 0.98x of the baseline in one run, from 8.4 s to 7.6 s).
 */
const NODE_FLAGS = { 'projection-workers': ['--max-semi-space-size=64'] };

// With KAFKA_BROKERS set, the relay ships the log to Kafka and the projections read it from there.
const entries = {
  'command-service': 'command-service/dist/main.js',
  ...(process.env.KAFKA_BROKERS ? { 'kafka-relay': 'projection-workers/dist/relay/main.js' } : {}),
  'projection-workers': 'projection-workers/dist/main.js',
  'query-api': 'query-api/dist/main.js',
  // Without SMTP_HOST it logs each email job instead of sending it.
  'notification-worker': 'notification-worker/dist/main.js',
  // AI tasks: on Kafka's meeting.tasks with KAFKA_BROKERS set, else the local queue over ai_tasks.
  'ai-worker': 'ai-worker/dist/main.js',
  ...(sfuWorkerBuilt ? { 'sfu-node': 'sfu-node/dist/main.js' } : {}),
  // The browser page (its bundle from `npm run build`), on WEB_CLIENT_PORT (3003).
  'web-client': 'web-client/dist/main.js',
};
const services = Object.keys(entries).filter((name) => existsSync(join(root, entries[name])));

const migrated = spawnSync(process.execPath, [join(root, 'db/dist/cli/migrate.js'), 'latest'], {
  env,
  stdio: 'inherit',
});
if (migrated.status !== 0) process.exit(migrated.status ?? 1);

const log = (message) => console.error(`[start] ${message}`);
if (!sfuWorkerBuilt) {
  log(
    `sfu-node skipped: no mediasoup worker at ${env.MEDIASOUP_WORKER_BIN} (node scripts/build-mediasoup-worker.mjs builds it)`,
  );
}

/** name → { child, startedAt, delay, timer } */
const state = new Map(
  services.map((name) => [name, { child: null, delay: RESTART_MIN_DELAY_MS, timer: null }]),
);
let stopping = null; // the signal passed on, once stopping
let exitCode = 0;

function launch(name) {
  const s = state.get(name);
  s.timer = null;
  s.startedAt = Date.now();
  // Its own process group: a terminal's Ctrl-C reaches only this script, which passes it on once.
  const child = spawn(process.execPath, [...(NODE_FLAGS[name] ?? []), join(root, entries[name])], {
    env,
    stdio: 'inherit',
    detached: true,
  });
  s.child = child;
  let ended = false;
  const onEnd = (code, signal, error) => {
    if (ended) return;
    ended = true;
    s.child = null;
    const how = error ? `failed to start (${error.message})` : `exited (${signal ?? code})`;
    if (stopping) {
      // A clean stop: exit code 0, or ended by the very signal passed on (no handler for it).
      if (error || !(code === 0 || signal === stopping)) {
        log(`${name} ${how} while stopping`);
        exitCode = 1;
      }
      finishIfDone();
      return;
    }
    if (code === EXIT_CONFIG) {
      log(`${name} ${how}: its configuration is wrong; stopping the others`);
      exitCode = EXIT_CONFIG;
      stop('SIGTERM');
      return;
    }
    const ranMs = Date.now() - s.startedAt;
    if (ranMs >= STABLE_AFTER_MS) s.delay = RESTART_MIN_DELAY_MS;
    const delay = s.delay;
    s.delay = Math.min(s.delay * 2, RESTART_MAX_DELAY_MS);
    log(`${name} ${how} after ${(ranMs / 1000).toFixed(1)} s; restarting in ${(delay / 1000).toFixed(1)} s`);
    s.timer = setTimeout(() => launch(name), delay);
  };
  child.once('exit', (code, signal) => onEnd(code, signal, null));
  child.once('error', (error) => onEnd(null, null, error));
}

function finishIfDone() {
  if ([...state.values()].every((s) => s.child === null)) process.exit(exitCode);
}

function stop(signal) {
  if (stopping) {
    log(`${signal} again: killing what still runs`);
    exitCode = 1;
    for (const s of state.values()) s.child?.kill('SIGKILL');
    return;
  }
  stopping = signal;
  log(`${signal}: stopping ${services.join(', ')}`);
  for (const s of state.values()) {
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    s.child?.kill(signal);
  }
  setTimeout(() => {
    log(`still running ${STOP_TIMEOUT_MS / 1000} s after ${signal}: killing`);
    exitCode = 1;
    for (const s of state.values()) s.child?.kill('SIGKILL');
  }, STOP_TIMEOUT_MS).unref();
  finishIfDone();
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'])
  process.on(signal, () => stop(signal === 'SIGHUP' ? 'SIGTERM' : signal));
// Should this script die of an error, its services (in their own process groups) must not linger.
process.on('exit', () => {
  for (const s of state.values()) s.child?.kill('SIGTERM');
});

for (const name of services) launch(name);
log(`running ${services.join(', ')}`);
