import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { Redis } from 'ioredis';

/** How long a service may take to say it is ready before its start counts as failed. */
const READY_TIMEOUT_MS = 60_000;

export interface ServiceUnderTest {
  baseUrl: string;
  port: number;
  db: TestDatabase;
  redisUrl: string;
  redisPrefix: string;
  /** Structured log lines the process wrote, parsed. */
  logs: Record<string, unknown>[];
  /** True while the process runs (it has not exited, crashed nor been stopped). */
  running(): boolean;
  /** Sends SIGTERM and resolves with the exit code (a graceful stop is 0). */
  terminate(): Promise<number | null>;
  /** SIGKILLs the process (a crash: nothing finishes) and resolves once it is gone. */
  kill(): Promise<void>;
  /** Stops the process and removes its database and Redis keys. */
  stop(): Promise<void>;
}

export interface ProcessSpec {
  /** The service's entry module (TypeScript, run through tsx). */
  main: string;
  /** The `msg` of the log line the service writes once it listens; the line carries `port`. */
  readyMessage: string;
  env?: Record<string, string>;
  /** Run against this database and Redis prefix (owned by the caller) instead of fresh ones. */
  shared?: { db: TestDatabase; redisPrefix: string };
  /** Run against this Redis instead of REDIS_URL (or the machine's), e.g. a private one a test crashes. */
  redisUrl?: string;
  /** false: after the ready line, discard the output unparsed (a bench's client must stay light). */
  keepLogs?: boolean;
}

const running = new Set<ChildProcess>();
let exitHandlersInstalled = false;

/** A test or bench that dies (a timeout's SIGTERM included) must not leave its services running. */
function killChildrenOnExit(child: ChildProcess): void {
  if (!exitHandlersInstalled) {
    exitHandlersInstalled = true;
    process.once('exit', () => running.forEach((c) => c.kill('SIGKILL')));
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        running.forEach((c) => c.kill('SIGKILL'));
        process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
      });
    }
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * A service of this repository as a real child process on an ephemeral port, with its own fresh
 * (migrated) database and Redis key prefix.
 */
export async function startProcessUnderTest(spec: ProcessSpec): Promise<ServiceUnderTest> {
  const db = spec.shared?.db ?? (await createTestDatabase());
  const redisUrl = spec.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = spec.shared?.redisPrefix ?? `test:${randomBytes(6).toString('hex')}:`;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', spec.main], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      LOG_LEVEL: 'info',
      ...spec.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killChildrenOnExit(child);
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      // Generous: a loaded 2-core machine starting several services through tsx can take a while.
      const timer = setTimeout(
        () => reject(new Error(`${spec.readyMessage}: not within ${READY_TIMEOUT_MS / 1000} s: ${stderr}`)),
        READY_TIMEOUT_MS,
      );
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === spec.readyMessage) {
            clearTimeout(timer);
            resolve((entry.port as number | undefined) ?? 0); // a worker listens on no port
            if (spec.keepLogs === false) {
              lines.close();
              child.stdout.resume();
            }
          }
        } catch {
          logs.push({ raw: line });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`service exited with ${code}: ${stderr}`));
      });
    });
  } catch (error) {
    // A child left running would keep the test file's process, and so the whole run, waiting.
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    if (!spec.shared) await db.drop();
    throw error;
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    db,
    redisUrl,
    redisPrefix,
    logs,
    running: () => child.exitCode === null && child.signalCode === null,
    terminate: () => stopChild(child),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
    stop: async () => {
      await stopChild(child);
      if (spec.shared) return;
      await deleteKeys(redisUrl, redisPrefix);
      await db.drop();
    },
  };
}

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** The command service under test. */
export function startServiceProcess(
  env: Record<string, string> = {},
  options: Pick<ProcessSpec, 'keepLogs' | 'shared' | 'redisUrl'> = {},
): Promise<ServiceUnderTest> {
  return startProcessUnderTest({
    ...options,
    main: MAIN,
    readyMessage: 'command-service listening',
    // Cheap hashing keeps registration fast in tests; production uses the OWASP defaults.
    env: { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_TIME_COST: '1', ...env },
  });
}

async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export { assertRawProblem, rawExchange } from './raw-http.js';
export type { RawAnswer } from './raw-http.js';
export { assertHttpTimeoutSettings } from './http-timeout-settings.js';
export { setRoleFromCli } from './set-role-cli.js';
export { metricValue, scrape } from './metrics-text.js';
