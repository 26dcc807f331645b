// Where the project's mediasoup worker binary is cached (built by scripts/build-mediasoup-worker.mjs).
// Dependency-free: bootstrap imports it before node_modules exists, to hand npm ci the binary.
//
// ${MEDIASOUP_WORKER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/meetings}/mediasoup-worker-<version>-<hash>/mediasoup-worker
// <version> is the exact mediasoup version sfu-node depends on; <hash> covers the build recipe
// (every file of infra/mediasoup but the *.md: patches and subproject shims) and the build options,
// so a changed recipe gets a build of its own instead of reusing a stale binary. The cache lives
// outside node_modules, which `npm ci` wipes.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const recipeDir = join(root, 'infra', 'mediasoup');
export const BINARY_NAME = 'mediasoup-worker';
/** Passed to `meson setup`; part of the cache key. */
export const MESON_OPTIONS = ['--buildtype', 'release', '-Db_ndebug=true', '--wrap-mode=nodownload'];

/** The exact mediasoup version sfu-node pins (its package.json, no range). */
export function mediasoupVersion() {
  const spec = JSON.parse(readFileSync(join(root, 'sfu-node', 'package.json'), 'utf8')).dependencies
    ?.mediasoup;
  if (!/^\d+\.\d+\.\d+$/.test(spec ?? ''))
    throw new Error(`sfu-node/package.json must pin mediasoup to an exact version, found ${spec}`);
  return spec;
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

export function recipeHash() {
  const hash = createHash('sha256').update(JSON.stringify({ MESON_OPTIONS }));
  const files = listFiles(recipeDir).filter((file) => !file.endsWith('.md'));
  for (const file of files.sort()) {
    hash.update(`\0${relative(recipeDir, file)}\0`).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

export function cacheRoot(env = process.env) {
  return resolve(
    env.MEDIASOUP_WORKER_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'meetings'),
  );
}

export function workerCacheDir(env = process.env) {
  return join(cacheRoot(env), `mediasoup-worker-${mediasoupVersion()}-${recipeHash()}`);
}

export function workerBinaryPath(env = process.env) {
  return join(workerCacheDir(env), BINARY_NAME);
}
