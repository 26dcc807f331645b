import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import { EventFactory } from '../../testing/event-factory.js';
import { applyInTransaction, snapshotTables } from '../../testing/postgres-projection.js';
import { signalingSessionsProjector } from './signaling-sessions-projector.js';
import { systemConfigsProjector } from './system-configs-projector.js';

const database = useTestDatabase();

const ADMIN = randomUUID();

test('system_configs: set, change, delete and set again; a replay changes nothing', async () => {
  const f = new EventFactory();
  const key = 'services.user-service.port';
  const set = (value: string, isPublic = false) =>
    f.event(streams.config(key), 'SystemConfigSet', {
      key,
      value,
      description: 'port',
      isPublic,
      setBy: ADMIN,
    });
  const first = set('8080');
  const changed = set('8081', true);
  const deleted = f.event(streams.config(key), 'SystemConfigDeleted', { key, deletedBy: ADMIN });
  const row = async () =>
    (
      await database.pool.query(
        `SELECT config_value, description, is_public, updated_by, deleted_at, last_stream_version::int AS v
         FROM system_configs WHERE config_key = $1`,
        [key],
      )
    ).rows[0];

  await applyInTransaction(database.pool, systemConfigsProjector, [first, changed]);
  assert.deepEqual(await row(), {
    config_value: '8081',
    description: 'port',
    is_public: true,
    updated_by: ADMIN,
    deleted_at: null,
    v: 2,
  });
  await applyInTransaction(database.pool, systemConfigsProjector, [deleted]);
  assert.deepEqual((await row()).deleted_at, deleted.occurredAt);

  // Redelivered older events cannot bring the deleted key back.
  const snapshot = await snapshotTables(database.pool, ['system_configs']);
  await applyInTransaction(database.pool, systemConfigsProjector, [first, changed, deleted]);
  assert.deepEqual(await snapshotTables(database.pool, ['system_configs']), snapshot);

  await applyInTransaction(database.pool, systemConfigsProjector, [set('9090')]);
  assert.deepEqual(await row(), {
    config_value: '9090',
    description: 'port',
    is_public: false,
    updated_by: ADMIN,
    deleted_at: null,
    v: 4,
  });
});

test('signaling_sessions: a row per session, connected then disconnected with the time and why', async () => {
  const f = new EventFactory();
  const nodeId = randomUUID();
  const [userId, m1, m2] = [randomUUID(), randomUUID(), randomUUID()];
  const [s1, s2] = [randomUUID(), randomUUID()];
  const stream = streams.signaling(nodeId);
  const opened = (sessionId: string, meetingId: string) =>
    f.event(stream, 'SignalingSessionOpened', { sessionId, nodeId, userId, meetingId });
  const closed = (sessionId: string, reason: 'unsubscribed' | 'node-dead') =>
    f.event(stream, 'SignalingSessionClosed', { sessionId, nodeId, reason });
  const rows = async () =>
    (
      await database.pool.query(
        `SELECT session_id, meeting_id, user_id, node_id, status, connected_at, disconnected_at,
           disconnect_reason FROM signaling_sessions WHERE node_id = $1 ORDER BY connected_at`,
        [nodeId],
      )
    ).rows;

  const events = [opened(s1, m1), opened(s2, m2), closed(s1, 'unsubscribed'), closed(s2, 'node-dead')];
  await applyInTransaction(database.pool, signalingSessionsProjector, events.slice(0, 2));
  assert.deepEqual(
    (await rows()).map((r) => [r.session_id, r.meeting_id, r.user_id, r.status, r.disconnected_at]),
    [
      [s1, m1, userId, 'connected', null],
      [s2, m2, userId, 'connected', null],
    ],
  );
  await applyInTransaction(database.pool, signalingSessionsProjector, events.slice(2));
  const after = await rows();
  assert.deepEqual(
    after.map((r) => [r.status, r.disconnected_at, r.disconnect_reason]),
    [
      ['disconnected', events[2]!.occurredAt, 'unsubscribed'],
      ['disconnected', events[3]!.occurredAt, 'node-dead'],
    ],
  );
  assert.deepEqual(after[0].connected_at, events[0]!.occurredAt);

  const snapshot = await snapshotTables(database.pool, ['signaling_sessions']);
  await applyInTransaction(database.pool, signalingSessionsProjector, events);
  assert.deepEqual(
    await snapshotTables(database.pool, ['signaling_sessions']),
    snapshot,
    'a replay changes nothing',
  );
});
