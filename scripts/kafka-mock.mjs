#!/usr/bin/env node
// Prints the path of the Kafka TEST broker used by the tests, building it first when it is not cached.
// The broker is librdkafka's built-in mock cluster wrapped in a small launcher
// (infra/kafka-mock/rdkafka-mock-broker.c); it is NOT a real Kafka (see the launcher's header).
//
// librdkafka 2.12 comes as source inside the npm tarball of node-rdkafka (no node addon is built):
// it is compiled as a static library, and the launcher is linked against it with -DMOCK_EXTRAS.
// 30-90 s on 2 cores (about 30 s measured here); needs gcc, make, tar, npm and zlib's headers,
// which it installs from Debian's packages when missing and run as root (as `npm test` is here).
//
// Cache: $KAFKA_MOCK_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/meetings/kafka-mock), then
// <hash>/rdkafka-mock-broker, the hash covering the launcher's source, the librdkafka source package
// and the build flags, so that a changed launcher gets its own build. Concurrent runs take a lock
// file; the binary is written under a temporary name, smoke-tested, then renamed into place, so no
// reader ever sees a half-written binary. Progress goes to stderr; stdout carries only the path.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
  accessSync,
  constants,
} from 'node:fs';
import { availableParallelism, homedir, hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LAUNCHER_SOURCE = join(root, 'infra', 'kafka-mock', 'rdkafka-mock-broker.c');
const SOURCE_PACKAGE = 'node-rdkafka@3.6.1';
const SOURCE_INTEGRITY =
  'sha512-sfpTbrT35429cs0RE8Yb9avGX9BiRRvpV7aweQsghKTjtrVZP3jBrKOPItWXAqHb8doyh3SkuGuUVBLgig1SRg==';
const LIBRDKAFKA_VERSION = '2.12.0';
const CONFIGURE_FLAGS = [
  '--disable-ssl',
  '--disable-gssapi',
  '--disable-sasl',
  '--disable-zstd',
  '--disable-lz4-ext',
  '--disable-curl',
  '--enable-static',
];
const CFLAGS = ['-O2', '-Wall', '-Wextra', '-DMOCK_EXTRAS'];
const LIBS = ['-lz', '-lpthread', '-lm', '-ldl', '-lrt'];
const BINARY_NAME = 'rdkafka-mock-broker';
const LOCK_HEARTBEAT_MS = 10_000;
const LOCK_STALE_MS = 60_000; // a lock not refreshed for this long belongs to a dead build
const LOCK_WAIT_MS = 15 * 60_000;

const log = (message) => process.stderr.write(`kafka-mock: ${message}\n`);

class BuildError extends Error {}

const launcherSource = readFileSync(LAUNCHER_SOURCE);
const hash = createHash('sha256')
  .update(launcherSource)
  .update(
    JSON.stringify({ SOURCE_PACKAGE, SOURCE_INTEGRITY, LIBRDKAFKA_VERSION, CONFIGURE_FLAGS, CFLAGS, LIBS }),
  )
  .digest('hex')
  .slice(0, 16);
const cacheRoot = resolve(
  process.env.KAFKA_MOCK_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'meetings', 'kafka-mock'),
);
const cacheDir = join(cacheRoot, hash);
const binary = join(cacheDir, BINARY_NAME);
const lockPath = join(cacheDir, '.build.lock');

// Everything a signal or a failure has to undo.
const cleanup = {
  child: null,
  childIsGroup: false,
  workDir: null,
  tmpFiles: new Set(),
  lockFd: null,
  heartbeat: null,
};

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function missingTools() {
  const missing = [];
  for (const [tool, args] of [
    ['gcc', ['--version']],
    ['make', ['--version']],
    ['tar', ['--version']],
    ['npm', ['--version']],
  ]) {
    const r = spawnSync(tool, args, { stdio: 'ignore' });
    if (r.error || r.status !== 0) missing.push(tool);
  }
  if (!missing.includes('gcc')) {
    const program = '#include <zlib.h>\nint main(void) { return zlibVersion() == 0; }\n';
    const r = spawnSync('gcc', ['-x', 'c', '-', '-o', '/dev/null', '-lz'], { input: program, stdio: 'pipe' });
    if (r.error || r.status !== 0) missing.push('zlib (headers and library)');
  }
  return missing;
}

/** The build tools, installed from Debian's packages when they are missing and this may (root, apt-get). */
function checkTools() {
  let missing = missingTools();
  const canInstall =
    process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (missing.length > 0 && canInstall) {
    process.stderr.write(`kafka-mock: installing ${missing.join(', ')} from Debian's packages\n`);
    const install = () =>
      spawnSync(
        'apt-get',
        ['install', '-y', '--no-install-recommends', 'gcc', 'libc6-dev', 'make', 'tar', 'zlib1g-dev'],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        },
      ).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
      install();
    }
    missing = missingTools();
  }
  if (missing.length > 0)
    throw new BuildError(
      `cannot build the Kafka mock broker: missing ${missing.join(', ')} ` +
        '(needs gcc, make, tar, npm and zlib; on Debian: apt-get install -y gcc make zlib1g-dev)',
    );
}

/** Runs a command, its output appended to the build log; rejects with the log's tail on failure. */
function run(command, args, { cwd, logFile, env = process.env, capture = false }) {
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(logFile, 'a');
    writeSync(fd, `\n$ ${command} ${args.join(' ')}\n`);
    // Its own process group, so that an interrupt can stop make together with its compilers.
    const child = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', capture ? 'pipe' : fd, fd],
    });
    cleanup.child = child;
    cleanup.childIsGroup = true;
    let stdout = '';
    let spawnError = null;
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.on('error', (error) => (spawnError = error));
    // 'close' follows 'error' too when the command cannot be started.
    child.on('close', (code, signal) => {
      cleanup.child = null;
      closeSync(fd);
      if (spawnError) return reject(new BuildError(`${command}: ${spawnError.message}`));
      if (code === 0) return resolvePromise(stdout);
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
      process.stderr.write(`${tail}\n`);
      reject(new BuildError(`${command} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}), log above`));
    });
  });
}

/** Starts the freshly built binary, creates a topic both ways, and checks it exits on stdin EOF. */
function smokeTest(path) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(path, ['--exit-on-eof', '1', 'smoke:2'], { stdio: ['pipe', 'pipe', 'pipe'] });
    cleanup.child = child;
    cleanup.childIsGroup = false;
    let out = '';
    let err = '';
    let createSent = false;
    let spawnError = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdin.on('error', () => {}); // an early exit is reported through 'close'
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (!createSent && /^BOOTSTRAP=\S+$/m.test(out)) {
        createSent = true;
        child.stdin.end('create smoke-runtime 3\n'); // then EOF: --exit-on-eof must stop it
      }
    });
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error) => (spawnError = error));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      cleanup.child = null;
      if (spawnError) return reject(new BuildError(`smoke test: ${spawnError.message}`));
      const ok =
        code === 0 &&
        /^CREATED smoke 2$/m.test(out) &&
        /^BOOTSTRAP=127\.0\.0\.1:\d+$/m.test(out) &&
        /^CREATED smoke-runtime 3$/m.test(out);
      if (ok) resolvePromise();
      else
        reject(
          new BuildError(
            `smoke test of the built broker failed (${signal ?? `exit ${code}`}): ` +
              JSON.stringify({ stdout: out, stderr: err }),
          ),
        );
    });
  });
}

async function build() {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const workDir = mkdtempSync(join(tmpdir(), 'kafka-mock-build-'));
  cleanup.workDir = workDir;
  const logFile = join(workDir, 'build.log');
  log(
    `building the mock broker (librdkafka ${LIBRDKAFKA_VERSION} from ${SOURCE_PACKAGE}, 30-90 s on 2 cores)`,
  );
  log(`build dir ${workDir}, target ${binary}`);

  // npm variables inherited from an `npm test -w ...` run must not turn `npm pack` into a workspace run.
  const npmEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_config_(workspaces?|include_workspace_root|dry_run|json|global|prefix)$/i.test(key),
    ),
  );
  log(`fetching ${SOURCE_PACKAGE} (npm pack)`);
  const packed = JSON.parse(
    await run('npm', ['pack', SOURCE_PACKAGE, '--json', '--pack-destination', workDir], {
      cwd: workDir,
      logFile,
      env: npmEnv,
      capture: true,
    }),
  )[0];
  if (packed?.integrity !== SOURCE_INTEGRITY)
    throw new BuildError(
      `${SOURCE_PACKAGE} has integrity ${packed?.integrity}, expected ${SOURCE_INTEGRITY}`,
    );
  await run('tar', ['xzf', join(workDir, packed.filename), 'package/deps/librdkafka'], {
    cwd: workDir,
    logFile,
  });
  const src = join(workDir, 'package', 'deps', 'librdkafka');
  const versionHex = /#define RD_KAFKA_VERSION\s+0x([0-9a-f]{8})/i.exec(
    readFileSync(join(src, 'src', 'rdkafka.h'), 'utf8'),
  )?.[1];
  const version = versionHex
    ? [0, 2, 4].map((i) => parseInt(versionHex.slice(i, i + 2), 16)).join('.')
    : 'unknown';
  if (version !== LIBRDKAFKA_VERSION)
    throw new BuildError(`${SOURCE_PACKAGE} ships librdkafka ${version}, expected ${LIBRDKAFKA_VERSION}`);

  log(`configuring librdkafka ${version} (${elapsed()})`);
  await run('./configure', CONFIGURE_FLAGS, { cwd: src, logFile });
  const jobs = String(Math.max(1, availableParallelism()));
  log(`compiling librdkafka.a with ${jobs} jobs (${elapsed()})`);
  await run('make', [`-j${jobs}`, '-C', 'src', 'librdkafka.a'], { cwd: src, logFile });

  log(`linking the launcher (${elapsed()})`);
  const tmpBinary = join(cacheDir, `.${BINARY_NAME}.${process.pid}.tmp`);
  cleanup.tmpFiles.add(tmpBinary);
  await run(
    'gcc',
    [
      ...CFLAGS,
      '-isystem',
      join(src, 'src'),
      '-o',
      tmpBinary,
      LAUNCHER_SOURCE,
      join(src, 'src', 'librdkafka.a'),
      ...LIBS,
    ],
    { cwd: workDir, logFile },
  );
  if (spawnSync('strip', [tmpBinary], { stdio: 'ignore' }).status !== 0)
    log('strip unavailable, binary kept unstripped');
  chmodSync(tmpBinary, 0o755);
  log(`smoke-testing the binary (${elapsed()})`);
  await smokeTest(tmpBinary);

  const infoTmp = join(cacheDir, `.build-info.${process.pid}.tmp`);
  cleanup.tmpFiles.add(infoTmp);
  writeFileSync(
    infoTmp,
    `${JSON.stringify(
      {
        librdkafka: version,
        sourcePackage: SOURCE_PACKAGE,
        launcher: 'infra/kafka-mock/rdkafka-mock-broker.c',
        configure: CONFIGURE_FLAGS,
        cflags: CFLAGS,
        libs: LIBS,
        builtAt: new Date().toISOString(),
        buildSeconds: (Date.now() - started) / 1000,
      },
      null,
      2,
    )}\n`,
  );
  renameSync(infoTmp, join(cacheDir, 'build-info.json'));
  renameSync(tmpBinary, binary); // atomic: readers see either no binary or the whole one
  cleanup.tmpFiles.clear();
  log(`built in ${elapsed()}: ${binary}`);
}

function lockIsStale() {
  try {
    const age = Date.now() - statSync(lockPath).mtimeMs;
    if (age > LOCK_STALE_MS) return true;
    const owner = JSON.parse(readFileSync(lockPath, 'utf8'));
    if (owner.host !== hostname()) return false;
    try {
      process.kill(owner.pid, 0);
      return false;
    } catch (error) {
      return error.code === 'ESRCH';
    }
  } catch {
    return false; // vanished or half-written: look again on the next round
  }
}

/** Takes the build lock; returns false when another process built the binary meanwhile. */
async function acquireLock() {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    if (isExecutable(binary)) return false;
    try {
      cleanup.lockFd = openSync(lockPath, 'wx');
      writeSync(cleanup.lockFd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date() }));
      cleanup.heartbeat = setInterval(() => {
        const now = new Date();
        try {
          utimesSync(lockPath, now, now);
        } catch {
          // the lock was taken away as stale; the rename still keeps the binary whole
        }
      }, LOCK_HEARTBEAT_MS);
      // Another build may have finished between the check above and taking the lock.
      return !isExecutable(binary);
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (lockIsStale()) {
      log(`removing a stale build lock ${lockPath}`);
      rmSync(lockPath, { force: true });
      continue;
    }
    if (!announced) log(`another process is building the mock broker, waiting (${lockPath})`);
    announced = true;
    if (Date.now() > deadline) throw new BuildError(`gave up waiting for the build lock ${lockPath}`);
    await sleep(1000);
  }
}

function releaseAll() {
  const child = cleanup.child;
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(cleanup.childIsGroup ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  for (const file of cleanup.tmpFiles) rmSync(file, { force: true });
  cleanup.tmpFiles.clear();
  if (cleanup.workDir) rmSync(cleanup.workDir, { recursive: true, force: true });
  cleanup.workDir = null;
  if (cleanup.heartbeat) clearInterval(cleanup.heartbeat);
  if (cleanup.lockFd !== null) {
    closeSync(cleanup.lockFd);
    cleanup.lockFd = null;
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  }
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    log(`interrupted by ${signal}, cleaning up`);
    releaseAll();
    process.exit(code);
  });
}

try {
  if (!isExecutable(binary)) {
    checkTools();
    mkdirSync(cacheDir, { recursive: true });
    if (await acquireLock()) await build();
  }
  if (!existsSync(binary)) throw new BuildError(`no binary at ${binary} after the build`);
  process.stdout.write(`${binary}\n`);
} catch (error) {
  process.exitCode = 1;
  log(error instanceof BuildError ? error.message : `build failed: ${error?.stack ?? error}`);
} finally {
  releaseAll();
}
