// MongoDB for the tests. No real mongod can run on these machines (../shared/infra/README.md), so
// by default the tests run against a STAND-IN: CongoDB, the wire-protocol server inside npm
// @push.rocks/smartmongo@2.2.0, built into a cache by scripts/build-mongo-stand-in.mjs. It is NOT
// MongoDB: in memory, unique indexes are not enforced, transactions are fake, change streams and
// $merge/$out/$lookup fail, and upserts only take ObjectId `_id`s. With MONGO_URL set, the same
// tests run against that real MongoDB instead, in a database of their own dropped afterwards.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { exitedWithin, hasExited, tail } from './server-process.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START_TIMEOUT_MS = 15_000;

export interface MongoStandIn {
  /** mongodb://127.0.0.1:<port>/?directConnection=true */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, SIGKILL after 3 s): its data is gone. Idempotent. */
  stop(): Promise<void>;
  /** Starts a new, empty server on the same port (after `stop`). */
  start(): Promise<void>;
}

let launcherPath: Promise<string> | undefined;

/** The launcher script; the first call per process builds the cache if it lacks it (~3-30 s). */
function launcher(): Promise<string> {
  launcherPath ??= new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'scripts', 'build-mongo-stand-in.mjs')],
      { cwd: repoRoot },
      (error, stdout, stderr) => {
        const path = stdout.trim();
        if (error || !path)
          reject(new Error(`build-mongo-stand-in failed: ${stderr.trim() || error?.message}`));
        else resolve(path);
      },
    );
  });
  launcherPath.catch(() => (launcherPath = undefined));
  return launcherPath;
}

/** Spawns the launcher on `port` (0: any free one) and resolves with the child and its port. */
async function spawnStandIn(port: number): Promise<{ child: ChildProcess; port: number }> {
  const script = await launcher();
  // stdin stays open: the launcher exits when it closes, so a test process that dies takes it along.
  const child = spawn(process.execPath, [script, String(port)], {
    cwd: dirname(script),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr = tail(child.stderr);
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('no PORT= line')), START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`MongoDB stand-in did not start: ${error.message}\n${stderr()}`));
    };
    child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
    child.once('error', fail);
    lines.on('line', (line) => {
      const match = /^PORT=(\d+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, port: Number(match[1]) });
    });
  });
}

/** Starts the stand-in on a free loopback port. */
export async function startMongoStandIn(): Promise<MongoStandIn> {
  const first = await spawnStandIn(0);
  const port = first.port;
  let child = first.child;
  const stop = async () => {
    if (hasExited(child)) return;
    child.kill('SIGTERM');
    if (!(await exitedWithin(child, 3_000))) {
      child.kill('SIGKILL');
      await exitedWithin(child, 3_000);
    }
  };
  return {
    url: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    port,
    stop,
    async start() {
      await stop();
      ({ child } = await spawnStandIn(port));
    },
  };
}

export interface TestMongo {
  url: string;
  /** A database of this test file's own. */
  database: string;
  /** True when the tests run on the stand-in (MONGO_URL unset). */
  standIn: boolean;
  /** The stand-in, to stop and start it (null against a real MongoDB). */
  server: MongoStandIn | null;
  /** Drops the database; stops the stand-in. */
  stop(): Promise<void>;
}

/** The name tests put in their describe(): which server they really ran against. */
export function mongoServerLabel(): string {
  return process.env.MONGO_URL ? 'MongoDB at MONGO_URL' : 'MongoDB stand-in: CongoDB';
}

/**
 * MongoDB for one test file: the real server at MONGO_URL when set, else a stand-in of its own;
 * either way a fresh database (`mtg_test_<random>`), dropped by `stop`.
 */
export async function startTestMongo(): Promise<TestMongo> {
  const database = `mtg_test_${randomBytes(6).toString('hex')}`;
  const real = process.env.MONGO_URL;
  if (real) {
    return {
      url: real,
      database,
      standIn: false,
      server: null,
      async stop() {
        const client = new MongoClient(real, { serverSelectionTimeoutMS: 5_000 });
        try {
          await client.db(database).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  }
  const server = await startMongoStandIn();
  return { url: server.url, database, standIn: true, server, stop: () => server.stop() };
}
