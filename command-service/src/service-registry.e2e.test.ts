import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPrivateEtcd } from '@meetings/db/testing';
import type { PrivateEtcd } from '@meetings/db/testing';
import { Etcd3 } from 'etcd3';
import { startServiceProcess } from './testing/service-process.js';

/** The command service registers under /meeting-system/services/command-service/ in a real etcd. */

const TTL_SECONDS = 2;
const PREFIX = '/meeting-system/services/command-service/';

let etcd: PrivateEtcd;
let client: Etcd3;

before(async () => {
  etcd = await startPrivateEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
});
after(async () => {
  client?.close();
  await etcd?.stop();
});

const instances = async () => client.getAll().prefix(PREFIX).strings();

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    assert.ok(Date.now() - started < timeoutMs, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

test('registered with a lease: gone at once on a graceful stop, within the TTL after SIGKILL', async () => {
  const env = { ETCD_ENDPOINTS: etcd.endpoint, ETCD_LEASE_TTL_SECONDS: String(TTL_SECONDS) };
  const graceful = await startServiceProcess(env);
  // The ready line comes just before the registration.
  await waitFor('the registration', async () => Object.keys(await instances()).length === 1, 5000);
  const [key, value] = Object.entries(await instances())[0]!;
  assert.match(key, /^\/meeting-system\/services\/command-service\/instance_[0-9a-f-]{36}$/);
  const registered = JSON.parse(value);
  assert.equal(registered.port, graceful.port);
  assert.equal(registered.host, '127.0.0.1');
  assert.equal(typeof registered.metadata.startedAt, 'string');
  assert.equal(await graceful.terminate(), 0);
  assert.deepEqual(await instances(), {}, 'a graceful stop revokes the lease');
  await graceful.stop();

  const crashed = await startServiceProcess(env);
  // Kept alive beyond the TTL while the process runs.
  await new Promise((r) => setTimeout(r, TTL_SECONDS * 1000 + 500));
  assert.equal(Object.keys(await instances()).length, 1);
  await crashed.kill();
  const gone = await waitFor(
    'the lease to expire',
    async () => Object.keys(await instances()).length === 0,
    3 * TTL_SECONDS * 1000,
  );
  console.log(`SIGKILLed instance left the registry ${gone} ms after the kill (TTL ${TTL_SECONDS} s)`);
  await crashed.stop();
});
