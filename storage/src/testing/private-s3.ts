import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort, hasExited, sleep, tail } from '@meetings/db/testing';
import { killOnExit } from './process.js';
import type { StorageConfig } from '../config.js';

export interface PrivateS3 {
  /** http://127.0.0.1:<port>, the value of S3_ENDPOINT. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  /** A StorageConfig for this server (bucket `meeting-system` unless given; 5 MiB parts, S3's least). */
  config(bucket?: string): StorageConfig;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const COMMAND_TIMEOUT_MS = 60_000;
const REGION = 'us-east-1';

/**
 * The Ceph settings of a throw-away one-node cluster: one monitor, one OSD keeping its data in
 * memory (memstore: nothing on disk but the monitor's small store), radosgw on a loopback port,
 * no authentication between daemons (cephx off), messenger v1 only (one port per daemon), pools
 * of size 1 and no manager (nothing here needs one). The OSD does not place itself in the CRUSH
 * map when it starts: on a loaded machine its first monitor command could leave before it had
 * the monitor's map and be refused for a zero fsid ('wrong fsid', the OSD then exits); the ceph
 * tool, which waits for that map, places it instead.
 */
function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon_host = v1:127.0.0.1:${monPort}
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_bind_msgr2 = false
run_dir = ${dir}/run
admin_socket = ${dir}/run/$name.asok
log_file = ${dir}/log/$name.log
keyring = ${dir}/keyring
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_max_pg_per_osd = 1000
[mon]
mon_data = ${dir}/mon/$cluster-$id
[osd]
osd_data = ${dir}/osd/$cluster-$id
osd_objectstore = memstore
memstore_device_bytes = 1073741824
osd_crush_update_on_start = false
osd_class_update_on_start = false
[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw_data = ${dir}/rgw
`;
}

/** Runs a Ceph tool to its end; rejects with its output when it fails or hangs. */
function runTool(conf: string, command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      ['-c', conf, ...args],
      { timeout: COMMAND_TIMEOUT_MS, env: { ...process.env, CEPH_CONF: conf } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

interface Daemon {
  child: ChildProcess;
  output: () => string;
}

async function attempt(): Promise<PrivateS3> {
  const dir = await mkdtemp(join(tmpdir(), `mtg-s3-${process.pid}-`));
  await Promise.all(['run', 'log', 'mon', 'osd', 'rgw'].map((d) => mkdir(join(dir, d))));
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  await writeFile(conf, cephConf(dir, fsid, monPort, rgwPort));
  const accessKey = `test${randomBytes(8).toString('hex')}`;
  const secretKey = randomBytes(20).toString('hex');
  const daemons: Daemon[] = [];
  const children: ChildProcess[] = [];
  const forget = killOnExit(children, dir);
  const startDaemon = (command: string, args: string[]) => {
    const child = spawn(command, ['-f', '-c', conf, ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CEPH_CONF: conf },
    });
    const output = tail(child.stderr);
    child.stdout?.resume();
    children.push(child);
    daemons.push({ child, output });
  };
  const stop = async () => {
    // A throw-away in-memory cluster has nothing to flush, and radosgw can take seconds to end
    // on SIGTERM: SIGKILL, radosgw first, then the OSD, then the monitor.
    for (const { child } of [...daemons].reverse()) {
      if (!hasExited(child)) child.kill('SIGKILL');
      await exited(child);
    }
    await rm(dir, { recursive: true, force: true });
    forget();
  };
  const failure = async (what: string) => {
    const logs = await Promise.all(
      ['mon.a', 'osd.0', 'client.rgw.a'].map((n) =>
        readFile(join(dir, 'log', `${n}.log`), 'utf8').catch(() => ''),
      ),
    );
    const text = [...daemons.map((d) => d.output()), ...logs.map((l) => l.slice(-4000))].join('\n');
    await stop();
    return new Error(`${what}\n${text}`);
  };
  try {
    await runTool(conf, 'ceph-authtool', [
      '--create-keyring',
      join(dir, 'keyring'),
      '--gen-key',
      '-n',
      'mon.',
      '--cap',
      'mon',
      'allow *',
    ]);
    await runTool(conf, 'monmaptool', [
      '--create',
      '--addv',
      'a',
      `[v1:127.0.0.1:${monPort}]`,
      '--fsid',
      fsid,
      join(dir, 'monmap'),
    ]);
    await runTool(conf, 'ceph-mon', [
      '--mkfs',
      '-i',
      'a',
      '--monmap',
      join(dir, 'monmap'),
      '--keyring',
      join(dir, 'keyring'),
    ]);
    startDaemon('ceph-mon', ['-i', 'a']);
    const osdUuid = randomUUID();
    const osdId = (await runTool(conf, 'ceph', ['osd', 'new', osdUuid])).trim();
    await mkdir(join(dir, 'osd', `ceph-${osdId}`)); // memstore keeps its fsid file there
    await runTool(conf, 'ceph-osd', ['-i', osdId, '--mkfs', '--osd-uuid', osdUuid]);
    await runTool(conf, 'ceph', ['osd', 'crush', 'add', `osd.${osdId}`, '1.0', 'root=default', 'host=test']);
    startDaemon('ceph-osd', ['-i', osdId]);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!/\b1 up\b/.test(await runTool(conf, 'ceph', ['osd', 'stat']).catch(() => ''))) {
      if (daemons.some((d) => hasExited(d.child)) || Date.now() > deadline)
        throw await failure('the OSD did not come up');
      await sleep(250);
    }
    startDaemon('radosgw', ['-n', 'client.rgw.a']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    while (
      !(await fetch(`${endpoint}/`)
        .then((r) => r.status > 0)
        .catch(() => false))
    ) {
      if (daemons.some((d) => hasExited(d.child)) || Date.now() > deadline)
        throw await failure('radosgw did not answer');
      await sleep(250);
    }
    await runTool(conf, 'radosgw-admin', [
      '-n',
      'client.admin',
      'user',
      'create',
      '--uid=test',
      '--display-name=test',
      `--access-key=${accessKey}`,
      `--secret-key=${secretKey}`,
    ]);
    return {
      endpoint,
      accessKey,
      secretKey,
      region: REGION,
      config: (bucket = 'meeting-system') => ({
        endpoint,
        accessKey,
        secretKey,
        region: REGION,
        bucket,
        pathStyle: true,
        partSizeBytes: 5 * 1024 * 1024,
      }),
      stop,
    };
  } catch (error) {
    if (daemons.some((d) => !hasExited(d.child)) || (await stat(dir))) {
      throw await failure(`Ceph radosgw did not start: ${(error as Error).message}`);
    }
    throw error;
  }
}

const stat = (dir: string) =>
  readFile(join(dir, 'ceph.conf')).then(
    () => true,
    () => false,
  );

/**
 * Debian's Ceph (ceph-mon, ceph-osd, radosgw, ceph-common; installed by scripts/bootstrap.mjs) as
 * a private S3 server: a temporary directory, free loopback ports, a fresh S3 user, every daemon
 * stopped by its pid. Should a start fail all the same (a port taken between choosing and binding
 * it, say), a second attempt runs on a fresh directory and fresh ports: one retry, whatever the
 * failure.
 */
export async function startPrivateS3(): Promise<PrivateS3> {
  try {
    return await attempt();
  } catch (first) {
    const reason = (first as Error).message.split('\n')[0];
    process.stderr.write(`# private radosgw: first start failed (${reason}); retrying once\n`);
    try {
      return await attempt();
    } catch (second) {
      throw new Error(`${(second as Error).message}\n(first attempt: ${(first as Error).message})`);
    }
  }
}
