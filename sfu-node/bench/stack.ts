import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startProcessUnderTest, startServiceProcess } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { startPrivatePostgres, startPrivateRedis } from '@meetings/db/testing';
import type { PrivatePostgres, PrivateRedis } from '@meetings/db/testing';
import { log, seconds } from './output.js';
import { childrenOf } from './process-stats.js';
import { GRACE_MS } from './settings.js';

const BUILD_WORKER = fileURLToPath(new URL('../../scripts/build-mediasoup-worker.mjs', import.meta.url));

/** The project's mediasoup worker binary (the build script prints its path, building it when not cached). */
export function mediasoupWorkerBin(): string {
  return (
    process.env.MEDIASOUP_WORKER_BIN ||
    execFileSync(process.execPath, [BUILD_WORKER], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim()
  );
}

/** What startStack has started so far: filled in as it goes, so that a failed start is stopped too. */
export interface Stack {
  pg?: PrivatePostgres;
  redis?: PrivateRedis;
  services: ServiceUnderTest[];
}

export interface RunningStack {
  command: ServiceUnderTest;
  /** The sfu-node process, and its (only) mediasoup worker. */
  sfuPid: number;
  sfuWorkerPid: number;
  wsUrl: string;
}

/**
 * A private PostgreSQL and Redis, and command-service, projection-workers and sfu-node (one
 * worker, running `workerBin`) as processes.
 */
export async function startStack(stack: Stack, workerBin: string): Promise<RunningStack> {
  const started = performance.now();
  // The database only serves the setup (users, the meeting): no fsync wait per command.
  const [pg, redis] = await Promise.all([
    startPrivatePostgres({ settings: { synchronous_commit: 'off' } }),
    startPrivateRedis(),
  ]);
  [stack.pg, stack.redis] = [pg, redis];
  // The services and createTestDatabase read these: the private servers are the only ones here.
  process.env.PG_ADMIN_URL = pg.adminUrl;
  process.env.REDIS_URL = redis.url;
  const command = await startServiceProcess({ RATE_LIMIT_COMMANDS: '0' }, { keepLogs: false });
  stack.services.push(command);
  const shared = { db: command.db, redisPrefix: command.redisPrefix };
  const mainOf = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/src/main.ts`, import.meta.url));
  stack.services.push(
    await startProcessUnderTest({
      main: mainOf('projection-workers'),
      readyMessage: 'projection-workers running',
      shared,
      env: { PROJECTION_POLL_INTERVAL_MS: '10' },
      keepLogs: false,
    }),
  );
  const sfu = await startProcessUnderTest({
    main: mainOf('sfu-node'),
    readyMessage: 'sfu-node listening',
    shared,
    env: {
      MEDIASOUP_WORKER_BIN: workerBin,
      SFU_PORT: '0',
      SFU_WORKERS: '1',
      SFU_RTC_MIN_PORT: '30000',
      SFU_RTC_MAX_PORT: '39999',
      // The viewers leave between the capacity steps and the joins: their media goes soon after.
      SFU_RECONNECT_GRACE_MS: String(GRACE_MS),
      SFU_NODE_ID: 'bench-sfu',
    },
    keepLogs: false,
  });
  stack.services.push(sfu);
  const sfuPid = childrenOf(process.pid).find((p) => p.cmdline.includes('sfu-node/src/main.ts'))?.pid;
  const sfuWorkerPid = sfuPid && childrenOf(sfuPid).find((p) => p.cmdline.includes('mediasoup-worker'))?.pid;
  if (!sfuPid || !sfuWorkerPid) throw new Error('the sfu-node process or its worker was not found');
  log(`services up in ${seconds(started)}`);
  return { command, sfuPid, sfuWorkerPid, wsUrl: `ws://127.0.0.1:${sfu.port}/ws` };
}

/** Stops what startStack started, the services last started first. */
export async function stopStack(stack: Stack): Promise<void> {
  for (const s of stack.services.reverse()) await s.stop().catch(() => undefined);
  await Promise.all([stack.redis?.stop(), stack.pg?.stop()]);
}
