import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import { startPrivateEtcd } from '@meetings/db/testing';
import type { PrivateEtcd } from '@meetings/db/testing';
import { Etcd3 } from 'etcd3';

/**
 * The projection workers register under /meeting-system/services/projection-workers/ in a real
 * etcd: no port (they serve no HTTP), their host and the projections they run, gone on a stop.
 */

const PREFIX = '/meeting-system/services/projection-workers/';
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

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

test('registered with the projections they run, and deregistered on a graceful stop', async () => {
  const worker = await startProcessUnderTest({
    main: MAIN,
    readyMessage: 'projection-workers running',
    env: { ETCD_ENDPOINTS: etcd.endpoint, ETCD_LEASE_TTL_SECONDS: '2' },
  });
  try {
    const registered = await client.getAll().prefix(PREFIX).strings();
    const [key, value] = Object.entries(registered)[0] ?? [];
    assert.match(key ?? '', /^\/meeting-system\/services\/projection-workers\/instance_[0-9a-f-]{36}$/);
    const entry = JSON.parse(value!);
    assert.equal(entry.port, 0);
    assert.equal(typeof entry.host, 'string');
    for (const name of ['meetings', 'users', 'room-cache', 'config-mirror']) {
      assert.ok(entry.metadata.projections.includes(name), `${name} among ${entry.metadata.projections}`);
    }
    assert.equal(await worker.terminate(), 0);
    assert.deepEqual(await client.getAll().prefix(PREFIX).strings(), {}, 'a graceful stop revokes the lease');
  } finally {
    await worker.stop();
  }
});
