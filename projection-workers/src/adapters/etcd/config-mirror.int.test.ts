import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase, startPrivateEtcd } from '@meetings/db/testing';
import type { PrivateEtcd, TestDatabase } from '@meetings/db/testing';
import { currentSchemaVersion, streams } from '@meetings/events';
import type { EventData, NewEvent } from '@meetings/events';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createProjections, createRunners } from '../../projections.js';
import { ProjectionWorker } from '../../runner/projection-worker.js';
import { CONFIG_PREFIX } from '../../projectors/etcd/config-mirror-projector.js';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import { EtcdTarget, etcdCheckpointKey } from './etcd-target.js';
import type { EtcdWrites } from './etcd-target.js';

/** The configuration mirror against a real etcd, fed from the real event store. */

const ADMIN = randomUUID();
const CHECKPOINT = etcdCheckpointKey('config-mirror');

let db: TestDatabase;
let pool: pg.Pool;
let etcd: PrivateEtcd;
let client: Etcd3;
let redis: Redis;
let store: PostgresEventStore;

before(async () => {
  [db, etcd] = await Promise.all([createTestDatabase(), startPrivateEtcd()]);
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  client = new Etcd3({ hosts: etcd.endpoint });
  // Unused by the mirror, required by the other projections' wiring.
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    keyPrefix: `test:${randomBytes(6).toString('hex')}:`,
    lazyConnect: true,
  });
  store = new PostgresEventStore(pool);
});
after(async () => {
  redis?.disconnect();
  client?.close();
  await pool?.end();
  await Promise.all([db?.drop(), etcd?.stop()]);
});

function event<T extends 'SystemConfigSet' | 'SystemConfigDeleted'>(type: T, data: EventData<T>): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: currentSchemaVersion(type),
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actorUserId: ADMIN, idempotencyKey: null },
    occurredAt: new Date(),
  };
}
const set = (key: string, value: string) =>
  store.appendToStream(
    streams.config(key),
    [event('SystemConfigSet', { key, value, description: null, isPublic: false, setBy: ADMIN })],
    'any',
  );
const remove = (key: string) =>
  store.appendToStream(streams.config(key), [event('SystemConfigDeleted', { key, deletedBy: ADMIN })], 'any');

/** The mirror alone, in-process, as projection-workers runs it when ETCD_ENDPOINTS is set. */
function startMirror(): ProjectionWorker {
  const deps = {
    pool,
    redis,
    redisKeyPrefix: '',
    logger: pino({ level: 'silent' }),
    batchSize: 500,
    pollIntervalMs: 10,
    maxAttempts: 3,
    notifyMaxAgeSeconds: 600,
    etcd: client,
  };
  const mirror = createProjections(deps).filter((p) => p.projector.name === 'config-mirror');
  assert.equal(mirror.length, 1);
  const worker = new ProjectionWorker(createRunners(deps, mirror), deps.logger);
  worker.start();
  return worker;
}

const mirrored = () => client.getAll().prefix(CONFIG_PREFIX).strings();
/** Each mirrored key's mod revision: unchanged means not written again. */
const revisions = async () =>
  Object.fromEntries(
    (await client.getAll().prefix(CONFIG_PREFIX).exec()).kvs.map((kv) => [
      kv.key.toString(),
      kv.mod_revision,
    ]),
  );

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const mirrors = (want: Record<string, string>) =>
  until(`etcd to hold ${JSON.stringify(want)}`, async () => {
    const got = await mirrored();
    return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort());
  });

const WANT = {
  '/meeting-system/config/services/user-service/port': '8080',
  '/meeting-system/config/services/user-service/host': '0.0.0.0',
};

test('set, change and delete are mirrored; a rerun writes nothing; a rebuild reproduces the keys', async () => {
  const worker = startMirror();
  try {
    await set('services.user-service.port', '8081');
    await set('services.user-service.host', '0.0.0.0');
    await set('limits.max-participants', '100');
    await mirrors({
      '/meeting-system/config/services/user-service/port': '8081',
      '/meeting-system/config/services/user-service/host': '0.0.0.0',
      '/meeting-system/config/limits/max-participants': '100',
    });
    await set('services.user-service.port', '8080');
    await remove('limits.max-participants');
    await mirrors(WANT);
  } finally {
    await worker.stop();
  }
  const checkpoint = await client.get(CHECKPOINT).string();
  assert.ok(checkpoint, 'the checkpoint is kept in etcd');

  // A new run from the same checkpoint: nothing is written again.
  const before = await revisions();
  const rerun = startMirror();
  await new Promise((r) => setTimeout(r, 300));
  await rerun.stop();
  assert.deepEqual(await revisions(), before);
  assert.equal(await client.get(CHECKPOINT).string(), checkpoint);

  // A rebuild: the checkpoint removed, a stray key in the owned namespace; the log alone remains.
  await client.delete().key(CHECKPOINT);
  await client.put(`${CONFIG_PREFIX}stray`).value('x');
  const rebuild = startMirror();
  try {
    await mirrors(WANT);
    await until('the checkpoint', async () => (await client.get(CHECKPOINT).string()) === checkpoint);
  } finally {
    await rebuild.stop();
  }
});

test('a run whose checkpoint moved on writes nothing; a batch beyond one transaction is written whole', async () => {
  const target = new EtcdTarget(client, CONFIG_PREFIX);
  const at = (n: number) => ({ transactionId: 1_000_000 + n, globalPosition: 1_000_000 + n });
  const key = `${CONFIG_PREFIX}fence/probe`;
  const writing = (f: (w: EtcdWrites) => void) => (w: EtcdWrites) => Promise.resolve(f(w));
  const stale = await target.open('config-mirror');
  const current = await target.open('config-mirror');
  await current.commit(
    writing((w) => w.put(key, 'current')),
    at(1),
  );
  // The same batch again, from the checkpoint both runs started at.
  await assert.rejects(
    stale.commit(
      writing((w) => w.put(key, 'stale')),
      at(1),
    ),
    CheckpointConflict,
  );
  assert.equal(await client.get(key).string(), 'current');

  const many = Array.from({ length: 300 }, (_, i) => `${CONFIG_PREFIX}bulk/k${i}`);
  await current.commit(
    writing((w) => many.forEach((k, i) => w.put(k, String(i)))),
    at(2),
  );
  const bulk = await client.getAll().prefix(`${CONFIG_PREFIX}bulk/`).strings();
  assert.equal(Object.keys(bulk).length, 300);
  assert.deepEqual(await target.loadCheckpoint('config-mirror'), at(2));
});
