#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm packages when the lockfile changed since the last
// install, the Debian packages the tests run servers of (opensmtpd) or drive (chromium), builds
// the mediasoup worker when its cache lacks it, and starts the local PostgreSQL and Redis of this
// machine kind when they are down.
// Dependency-free on purpose: it runs before node_modules exists.
import { execSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerBinaryPath } from './mediasoup-worker-path.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`);

function ensureNodeVersion() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 10)) {
    log(`Node.js >= 20.10 is required, found ${process.versions.node}`);
    process.exit(1);
  }
}

function ensurePackages() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.bootstrap-lock-hash');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === hash) return;
  log('installing npm packages (npm ci)');
  // mediasoup's postinstall would download a prebuilt worker from GitHub (unreachable here); with
  // MEDIASOUP_WORKER_BIN set it does nothing. The worker is built by ensureMediasoupWorker().
  const workerBin = workerBinaryPath();
  const env = {
    ...process.env,
    MEDIASOUP_WORKER_BIN:
      process.env.MEDIASOUP_WORKER_BIN || (existsSync(workerBin) ? workerBin : '/bin/true'),
  };
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(marker, hash);
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function waitFor(host, port, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await canConnect(host, port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function urlHostPort(url, defaultPort) {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
}

const isLocal = (host) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

function run(cmd) {
  try {
    execSync(cmd, { stdio: 'inherit', shell: '/bin/bash' });
  } catch {
    log(`command failed: ${cmd}`);
  }
}

async function ensurePostgres() {
  const { host, port } = urlHostPort(
    process.env.DATABASE_URL ?? process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    5432,
  );
  if (await canConnect(host, port)) return;
  if (!isLocal(host)) return log(`PostgreSQL at ${host}:${port} is not reachable`);
  log('PostgreSQL is down; starting the local cluster');
  run('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | sort -V | tail -1) main start');
  if (!(await waitFor(host, port, 30))) log('PostgreSQL did not come up within 30 s');
}

async function ensureRedis() {
  const { host, port } = urlHostPort(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 6379);
  if (await canConnect(host, port)) return;
  if (!isLocal(host)) return log(`Redis at ${host}:${port} is not reachable`);
  log('Redis is down; starting it');
  run(
    'mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 ' +
      `--port ${port} --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`,
  );
  if (!(await waitFor(host, port, 15))) log('Redis did not come up within 15 s');
}

/**
 * The notification worker's tests send mail to a private OpenSMTPD of their own; the package is
 * installed, never started as a system service. The lock timeout waits out another apt run.
 */
function ensureOpensmtpd() {
  if (existsSync('/usr/sbin/smtpd')) return;
  log('installing opensmtpd (the notification tests run a private SMTP server)');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=900', 'opensmtpd'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  // A machine whose package lists were never fetched knows no opensmtpd yet.
  if (install()) return;
  run('apt-get update -o DPkg::Lock::Timeout=900');
  if (!install()) log('could not install opensmtpd; the notification tests will fail');
}

/**
 * The etcd server the tests start privately (service registry and config mirror). Installed from
 * Debian when missing; never started here: with no ETCD_ENDPOINTS the services run without etcd.
 */
function ensureEtcd() {
  if (existsSync('/usr/bin/etcd')) return;
  log('installing etcd-server (the etcd tests run a private etcd)');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=900', 'etcd-server'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (install()) return;
  run('apt-get update -o DPkg::Lock::Timeout=900');
  if (!install()) log('could not install etcd-server; the etcd tests will fail');
}

/**
 * Debian's docker-compose (1.29), which validates docker-compose.yml without a container engine
 * (scripts/docker-compose.int.test.ts). Without recommends: no engine is installed, none is started.
 */
function ensureDockerCompose() {
  if (existsSync('/usr/bin/docker-compose')) return;
  log('installing docker-compose (the compose file test validates docker-compose.yml)');
  const install = () =>
    spawnSync(
      'apt-get',
      ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=900', 'docker-compose'],
      { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    ).status === 0;
  if (install()) return;
  run('apt-get update -o DPkg::Lock::Timeout=900');
  if (!install()) log('could not install docker-compose; the compose file test will skip its CLI check');
}

/**
 * The S3-compatible server the storage tests start privately: a throw-away Ceph (one monitor, one
 * in-memory OSD) with radosgw, from Debian (MinIO is not packaged here). Installed when missing,
 * never started here: with no S3_ENDPOINT the services run without object storage.
 */
function ensureCeph() {
  const binaries = ['/usr/bin/ceph-mon', '/usr/bin/ceph-osd', '/usr/bin/radosgw', '/usr/bin/ceph'];
  if (binaries.every((b) => existsSync(b))) return;
  log('installing ceph-mon ceph-osd radosgw ceph-common (the storage tests run a private radosgw)');
  const install = () =>
    spawnSync(
      'apt-get',
      [
        'install',
        '-y',
        '--no-install-recommends',
        '-o',
        'DPkg::Lock::Timeout=900',
        'ceph-mon',
        'ceph-osd',
        'radosgw',
        'ceph-common',
      ],
      { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    ).status === 0;
  if (install()) return;
  run('apt-get update -o DPkg::Lock::Timeout=900');
  if (!install()) log('could not install ceph; the storage tests will fail');
}

/**
 * Debian's Chromium, which the browser tests drive through playwright-core (playwright cannot
 * download its own browsers here). Installed when missing, as a binary only: never started here.
 */
function ensureChromium() {
  if (existsSync('/usr/lib/chromium/chromium')) return;
  log('installing chromium (the web client test runs two headless browsers)');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=900', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (install()) return;
  run('apt-get update -o DPkg::Lock::Timeout=900');
  if (!install()) log('could not install chromium; the browser test will be skipped');
}

/**
 * The SFU's mediasoup worker, built from the npm package's sources against Debian's libraries
 * (and the Debian packages that needs, ffmpeg too) when the cache lacks it: ~4-7 minutes once,
 * then a no-op. scripts/build-mediasoup-worker.mjs says how and why.
 */
function ensureMediasoupWorker() {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-mediasoup-worker.mjs')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) log('could not build the mediasoup worker; the sfu-node tests will fail');
}

/**
 * The MongoDB stand-in the analytics tests run against when MONGO_URL is unset (CongoDB from npm
 * @push.rocks/smartmongo, built into a cache outside node_modules by
 * scripts/build-mongo-stand-in.mjs; a no-op once built). Never started here.
 */
function ensureMongoStandIn() {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-mongo-stand-in.mjs')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) log('could not build the MongoDB stand-in; the MongoDB tests will fail');
}

ensureNodeVersion();
ensurePackages();
ensureMediasoupWorker();
ensureMongoStandIn();
ensureOpensmtpd();
await ensurePostgres();
await ensureRedis();
ensureEtcd();
ensureDockerCompose();
ensureCeph();
ensureChromium();
