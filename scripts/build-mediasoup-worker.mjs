#!/usr/bin/env node
// Builds mediasoup's C++ worker (mediasoup-worker) against Debian's packages, once, and prints
// the cached binary's path on stdout (progress goes to stderr). Run by scripts/bootstrap.mjs, so
// `npm start` and `npm test` build it when the cache lacks it; a second run is a no-op.
//
// Why: `npm install mediasoup` downloads a prebuilt worker from GitHub in its postinstall, and
// failing that builds it with meson subprojects that download their sources from GitHub too:
// neither host is reachable here (only the npm registry and Debian's apt are). So the npm package
// is installed with MEDIASOUP_WORKER_BIN set (its postinstall then does nothing) and this script
// builds the worker from the sources that the npm package ships (node_modules/mediasoup/worker):
// - in a temporary copy of worker/ (node_modules stays as npm left it);
// - with the patches of infra/mediasoup/patches (each file explains itself): 0001 lets Debian 12's
//   meson 1.0.1 build it, 0002 fixes a worker crash on the first DTLS handshake with Debian's
//   kTLS-enabled OpenSSL;
// - with the subprojects of infra/mediasoup/subprojects, which stand for the downloaded ones and
//   use Debian's libuv, OpenSSL, libsrtp2, abseil and flatbuffers (see the README there);
// - `meson setup --wrap-mode=nodownload`, so meson fails instead of trying a download.
// It takes ~4-7 minutes on 2 cores (4 min 6 s measured here). The Debian packages it needs are
// installed when missing (as root, apt-get, waiting out another apt run), ffmpeg too (real RTP for
// the media tests).
//
// Cache: see scripts/mediasoup-worker-path.mjs. The binary is checked (run alone, the worker must
// exit with 41: it found no channel to its parent), written under a temporary name and renamed
// into place, so nobody sees a half-written binary; concurrent runs take a lock file.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BINARY_NAME,
  MESON_OPTIONS,
  mediasoupVersion,
  recipeDir,
  root,
  workerBinaryPath,
  workerCacheDir,
} from './mediasoup-worker-path.mjs';

/** Build tools and libraries (with their headers) the worker is built from; ffmpeg for media tests. */
const APT_PACKAGES = [
  'meson',
  'ninja-build',
  'pkg-config',
  'g++',
  'patch',
  'libuv1-dev',
  'libssl-dev',
  'libsrtp2-dev',
  'libabsl-dev',
  'libflatbuffers-dev',
  'flatbuffers-compiler',
  'ffmpeg',
];
/** What a mediasoup-worker started without its parent's channel exits with. */
const EXIT_NO_CHANNEL = 41;
const LOCK_STALE_MS = 30 * 60_000;
const LOCK_WAIT_MS = 20 * 60_000;

const log = (message) => process.stderr.write(`mediasoup-worker: ${message}\n`);
class BuildError extends Error {}

const cleanup = { child: null, workDir: null, keepWorkDir: false, tmpFiles: new Set(), lockPath: null };

/** True when `path` is a working worker binary (its libraries load, it starts and exits 41). */
function workerRuns(path) {
  if (!existsSync(path)) return false;
  const r = spawnSync(path, [], { stdio: 'ignore', timeout: 10_000 });
  return r.status === EXIT_NO_CHANNEL;
}

function missingPackages() {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...APT_PACKAGES], {
    encoding: 'utf8',
  });
  const installed = new Set(
    (r.stdout ?? '')
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return APT_PACKAGES.filter((p) => !installed.has(p));
}

/** Installs the missing Debian packages; `apt-get update` once if the lists do not know them. */
function ensurePackages() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0)
    throw new BuildError(`missing Debian packages (install them as root): ${missing.join(' ')}`);
  const started = Date.now();
  log(`installing ${missing.join(' ')} (apt-get)`);
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync(
      'apt-get',
      ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=900', ...missing],
      { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv },
    ).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-o', 'DPkg::Lock::Timeout=900'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: aptEnv,
    });
    if (!install()) throw new BuildError(`apt-get could not install ${missing.join(' ')}`);
  }
  const still = missingPackages();
  if (still.length > 0) throw new BuildError(`still missing after apt-get: ${still.join(' ')}`);
  log(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Runs a command, its output appended to the build log; on failure prints the log's tail. */
function run(command, args, { cwd, logFile, stdin }) {
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(logFile, 'a');
    writeSync(fd, `\n$ ${command} ${args.join(' ')}\n`);
    const input = stdin === undefined ? 'ignore' : openSync(stdin, 'r');
    // Its own process group, so that an interrupt stops ninja together with its compilers.
    const child = spawn(command, args, { cwd, detached: true, stdio: [input, fd, fd] });
    cleanup.child = child;
    let spawnError = null;
    child.on('error', (error) => (spawnError = error));
    child.on('close', (code, signal) => {
      cleanup.child = null;
      closeSync(fd);
      if (typeof input === 'number') closeSync(input);
      if (spawnError) return reject(new BuildError(`${command}: ${spawnError.message}`));
      if (code === 0) return resolvePromise();
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
      process.stderr.write(`${tail}\n`);
      reject(new BuildError(`${command} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}), log above`));
    });
  });
}

/** The `directory =` of a meson wrap file: where meson looks for the subproject's source. */
function wrapDirectory(subprojectsDir, name) {
  const wrap = readFileSync(join(subprojectsDir, `${name}.wrap`), 'utf8');
  const directory = /^directory\s*=\s*(\S+)\s*$/m.exec(wrap)?.[1];
  if (!directory) throw new BuildError(`no directory in ${name}.wrap`);
  return directory;
}

async function build(cacheDir, binary) {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const version = mediasoupVersion();
  const source = join(root, 'node_modules', 'mediasoup');
  const installed = existsSync(join(source, 'package.json'))
    ? JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).version
    : null;
  if (installed !== version)
    throw new BuildError(
      `node_modules/mediasoup is ${installed ?? 'missing'}, expected ${version}: ` +
        'install the npm packages first (MEDIASOUP_WORKER_BIN=/bin/true npm ci)',
    );

  const workDir = mkdtempSync(join(tmpdir(), 'mediasoup-worker-build-'));
  cleanup.workDir = workDir;
  const logFile = join(workDir, 'build.log');
  const worker = join(workDir, 'worker');
  log(`building mediasoup ${version}'s worker (~4-7 minutes on 2 cores), log ${logFile}`);
  cpSync(join(source, 'worker'), worker, {
    recursive: true,
    filter: (path) => !path.startsWith(join(source, 'worker', 'out')),
  });

  for (const patch of readdirSync(join(recipeDir, 'patches')).sort()) {
    log(`applying ${patch}`);
    await run('patch', ['-p1', '--forward', '--batch', '-i', join(recipeDir, 'patches', patch)], {
      cwd: worker,
      logFile,
    });
  }
  const subprojects = join(worker, 'subprojects');
  for (const name of readdirSync(join(recipeDir, 'subprojects'), { withFileTypes: true })) {
    if (!name.isDirectory()) continue;
    cpSync(
      join(recipeDir, 'subprojects', name.name),
      join(subprojects, wrapDirectory(subprojects, name.name)),
      {
        recursive: true,
      },
    );
  }

  const buildDir = join(workDir, 'build');
  log(`meson setup (${elapsed()})`);
  await run('meson', ['setup', ...MESON_OPTIONS, buildDir], { cwd: worker, logFile });
  const jobs = String(Math.max(1, availableParallelism()));
  log(`compiling with ${jobs} jobs (${elapsed()})`);
  await run('meson', ['compile', '-C', buildDir, '-j', jobs, BINARY_NAME], { cwd: worker, logFile });

  const built = join(buildDir, BINARY_NAME);
  if (!workerRuns(built))
    throw new BuildError(`the built worker does not run (it must exit ${EXIT_NO_CHANNEL} alone)`);
  mkdirSync(cacheDir, { recursive: true });
  const tmpBinary = join(cacheDir, `.${BINARY_NAME}.${process.pid}.tmp`);
  cleanup.tmpFiles.add(tmpBinary);
  copyFileSync(built, tmpBinary);
  chmodSync(tmpBinary, 0o755);
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(
    join(cacheDir, 'build-info.json'),
    `${JSON.stringify(
      {
        mediasoup: version,
        patches: readdirSync(join(recipeDir, 'patches')).sort(),
        meson: MESON_OPTIONS,
        builtAt: new Date().toISOString(),
        buildSeconds: seconds,
      },
      null,
      2,
    )}\n`,
  );
  renameSync(tmpBinary, binary); // atomic: readers see no binary or the whole one
  cleanup.tmpFiles.clear();
  log(`built in ${Math.floor(seconds / 60)} min ${seconds % 60} s: ${binary}`);
}

/** Takes the build lock; returns false when another process built the binary meanwhile. */
async function acquireLock(lockPath, binary) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    if (workerRuns(binary)) return false;
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date() }));
      closeSync(fd);
      cleanup.lockPath = lockPath;
      return !workerRuns(binary);
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (lockIsStale(lockPath)) {
      log(`removing a stale build lock ${lockPath}`);
      rmSync(lockPath, { force: true });
      continue;
    }
    if (!announced) log(`another process is building the worker, waiting (${lockPath})`);
    announced = true;
    if (Date.now() > deadline) throw new BuildError(`gave up waiting for the build lock ${lockPath}`);
    await sleep(2000);
  }
}

function lockIsStale(lockPath) {
  try {
    if (Date.now() - statSync(lockPath).mtimeMs > LOCK_STALE_MS) return true;
    const owner = JSON.parse(readFileSync(lockPath, 'utf8'));
    if (owner.host !== hostname()) return false;
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
}

function releaseAll() {
  const child = cleanup.child;
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  for (const file of cleanup.tmpFiles) rmSync(file, { force: true });
  cleanup.tmpFiles.clear();
  if (cleanup.workDir && cleanup.keepWorkDir) log(`build folder kept for inspection: ${cleanup.workDir}`);
  else if (cleanup.workDir) rmSync(cleanup.workDir, { recursive: true, force: true });
  cleanup.workDir = null;
  if (cleanup.lockPath) {
    try {
      unlinkSync(cleanup.lockPath);
    } catch {
      // already gone
    }
    cleanup.lockPath = null;
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
  const binary = workerBinaryPath();
  ensurePackages();
  if (!workerRuns(binary)) {
    const cacheDir = workerCacheDir();
    mkdirSync(cacheDir, { recursive: true });
    if (await acquireLock(join(cacheDir, '.build.lock'), binary)) await build(cacheDir, binary);
    if (!workerRuns(binary)) throw new BuildError(`no working binary at ${binary} after the build`);
  }
  process.stdout.write(`${binary}\n`);
} catch (error) {
  process.exitCode = 1;
  cleanup.keepWorkDir = error instanceof BuildError;
  log(error instanceof BuildError ? error.message : `build failed: ${error?.stack ?? error}`);
} finally {
  releaseAll();
}
