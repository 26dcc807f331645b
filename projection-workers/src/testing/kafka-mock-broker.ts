// Kafka TEST broker for the tests: librdkafka's mock cluster in a small launcher
// (infra/kafka-mock/rdkafka-mock-broker.c, built and cached by scripts/kafka-mock.mjs). It is NOT a
// real Kafka: in memory, no CreateTopics/DeleteTopics/DescribeGroups admin APIs (create topics with
// `createTopic`), and a topic that does not exist is auto-created with 4 partitions by any client
// whose Metadata request allows it (kafkajs' default), so create topics before using them.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ConsumerConfig } from 'kafkajs';

export interface KafkaMockBroker {
  /** Comma-separated bootstrap list, as the launcher printed it. */
  bootstrap: string;
  /** The same addresses, one per broker, for `new Kafka({ brokers })`. */
  brokers: string[];
  /** Creates a topic (the mock has no CreateTopics API); rejects when the broker refuses. */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Stops the broker: closes its stdin, waits for the exit, SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 10_000;
const STOP_KILL_AFTER_MS = 5_000;
const STDERR_TAIL_CHARS = 4_000;

let binaryPath: Promise<string> | undefined;

/** Path of the launcher binary; the first call per process builds it if the cache lacks it (~30-90 s). */
function mockBrokerBinary(): Promise<string> {
  if (binaryPath) return binaryPath;
  binaryPath = new Promise<string>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(repoRoot, 'scripts', 'kafka-mock.mjs')],
      { cwd: repoRoot, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        const path = stdout.trim();
        if (error || !path)
          reject(
            new Error(
              `scripts/kafka-mock.mjs failed: ${stderr.trim() || error?.message || 'no path printed'}`,
            ),
          );
        else resolve(path);
      },
    );
    // Build progress is worth seeing while a first build runs.
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  });
  // A failed build is not remembered: the next call tries again.
  binaryPath.catch(() => (binaryPath = undefined));
  return binaryPath;
}

// Brokers still running when the test process exits are killed; a process that dies without running
// exit handlers closes the brokers' stdin pipes instead, and --exit-on-eof makes them exit.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a mock cluster with `brokers` brokers (plus the broker 0 the launcher adds for kafkajs). */
export async function startKafkaMockBroker(options: { brokers?: number } = {}): Promise<KafkaMockBroker> {
  const brokerCount = options.brokers ?? 1;
  if (!Number.isInteger(brokerCount) || brokerCount < 1 || brokerCount > 16)
    throw new Error(`brokers must be an integer from 1 to 16, got ${brokerCount}`);
  const binary = await mockBrokerBinary();

  const child = spawn(binary, ['--exit-on-eof', String(brokerCount)], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stderrTail = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  child.stdin.on('error', () => {}); // writes after an exit fail; the exit itself is reported below

  // The harness must not keep the test process alive by itself: the child and its pipes are
  // referenced only while something awaits the broker (start, a command, stop).
  const handles = [child.stdin, child.stdout, child.stderr] as unknown as Socket[];
  let busy = 0;
  const hold = () => {
    if (busy++ === 0) {
      child.ref();
      for (const handle of handles) handle.ref();
    }
  };
  const release = () => {
    if (--busy === 0) {
      child.unref();
      for (const handle of handles) handle.unref();
    }
  };

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const describeExit = () =>
    spawnError
      ? `could not start ${binary}: ${spawnError.message}`
      : `mock broker exited (${exited?.signal ?? `code ${exited?.code}`})` +
        (stderrTail.trim() ? `: ${stderrTail.trim()}` : '');

  // Every command line is answered by exactly one CREATED/ERR line, in order.
  type Pending = { resolve: (line: string) => void; reject: (error: Error) => void };
  const answers: Pending[] = [];
  let bootstrapWaiter: Pending | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('BOOTSTRAP=')) bootstrapWaiter?.resolve(line.slice('BOOTSTRAP='.length));
    else if (/^(CREATED|ERR) /.test(line)) answers.shift()?.resolve(line);
  });
  const exitPromise = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
      if (child.pid === undefined) {
        exited = { code: null, signal: null };
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  void exitPromise.then(() => {
    running.delete(child);
    const error = new Error(describeExit());
    bootstrapWaiter?.reject(error);
    for (const pending of answers.splice(0)) pending.reject(error);
  });

  function withTimeout<T>(
    what: string,
    ms: number,
    register: (pending: Pending) => void,
    map: (line: string) => T,
  ) {
    hold();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`mock broker: no answer to ${what} within ${ms} ms`)),
        ms,
      );
      register({
        resolve: (line) => {
          clearTimeout(timer);
          try {
            resolve(map(line));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    }).finally(release);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited) return;
      hold();
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_KILL_AFTER_MS);
      child.stdin.end();
      await exitPromise;
      clearTimeout(killer);
      release();
    })();
    return stopping;
  };

  let bootstrap: string;
  try {
    bootstrap = await withTimeout(
      'startup (BOOTSTRAP line)',
      START_TIMEOUT_MS,
      (pending) => (bootstrapWaiter = pending),
      (address) => address,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  bootstrapWaiter = undefined;

  return {
    bootstrap,
    brokers: bootstrap.split(','),
    createTopic(name, partitions) {
      if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name))
        return Promise.reject(new Error(`invalid topic name ${JSON.stringify(name)}`));
      if (!Number.isInteger(partitions) || partitions < 1)
        return Promise.reject(new Error(`partitions must be a positive integer, got ${partitions}`));
      if (exited || stopping)
        return Promise.reject(new Error(`createTopic(${name}) after the broker stopped`));
      const answer = withTimeout(
        `create ${name}`,
        COMMAND_TIMEOUT_MS,
        (pending) => answers.push(pending),
        (line) => {
          if (line.startsWith('ERR '))
            throw new Error(`mock broker refused topic ${name}: ${line.slice(`ERR ${name} `.length)}`);
        },
      );
      child.stdin.write(`create ${name} ${partitions}\n`);
      return answer;
    },
    stop,
  };
}

/**
 * Consumer settings that keep tests fast against the mock: short fetch waits, quick heartbeats and
 * session expiry. Give each test its own groupId: `kafka.consumer({ groupId, ...kafkaTestConfig() })`.
 */
export function kafkaTestConfig(): Required<
  Pick<ConsumerConfig, 'maxWaitTimeInMs' | 'sessionTimeout' | 'heartbeatInterval'>
> {
  return { maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 500 };
}
