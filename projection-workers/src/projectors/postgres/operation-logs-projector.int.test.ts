import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import { eventSchemas, streams } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import { EventFactory } from '../../testing/event-factory.js';
import { applyInTransaction, snapshotTables } from '../../testing/postgres-projection.js';
import { operationLogsProjector } from './operation-logs-projector.js';

const database = useTestDatabase();

const apply = (events: readonly DecodedEvent[]) =>
  applyInTransaction(database.pool, operationLogsProjector, events);

/** A user signing up (with the private reservation and credential events), a meeting, its media. */
function history(f: EventFactory) {
  const [userId, meetingId, mediaStreamId] = [randomUUID(), randomUUID(), randomUUID()];
  const username = `ada-${userId.slice(0, 8)}`;
  const as = (actorUserId: string | null) => ({ metadata: { actorUserId, correlationId: `req-${userId}` } });
  const events = {
    usernameReserved: f.event(
      streams.username(username),
      'UsernameReserved',
      { username, userId },
      as(userId),
    ),
    emailReserved: f.event(
      streams.email(`${username}@example.com`),
      'EmailReserved',
      { email: `${username}@example.com`, userId },
      as(userId),
    ),
    registered: f.event(
      streams.user(userId),
      'UserRegistered',
      { userId, username, email: `${username}@example.com`, displayName: 'Ada', role: 'user' },
      as(userId),
    ),
    passwordSet: f.event(
      streams.credentials(userId),
      'PasswordSet',
      { userId, passwordHash: '$argon2id$secret' },
      as(userId),
    ),
    scheduled: f.event(
      streams.meeting(meetingId),
      'MeetingScheduled',
      {
        meetingId,
        hostId: userId,
        title: 'Audit me',
        description: null,
        scheduledStartAt: '2026-03-02T10:00:00.000Z',
        scheduledEndAt: null,
        maxParticipants: 2,
        settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
        passcodeVersion: null,
      },
      as(userId),
    ),
    started: f.event(
      streams.meeting(meetingId),
      'MeetingStarted',
      { meetingId, startedBy: userId },
      as(userId),
    ),
    // Published by an SFU node: no user acts.
    published: f.event(
      streams.media(meetingId),
      'MediaStreamPublished',
      {
        meetingId,
        mediaStreamId,
        userId,
        kind: 'audio',
        sfuNodeId: 'sfu-1',
        producerId: 'p-1',
        codec: 'opus',
      },
      as(null),
    ),
  };
  return { userId, meetingId, events, all: Object.values(events) };
}

test('reads every event type but the secrets and reservations', () => {
  assert.equal(operationLogsProjector.name, 'operation-logs');
  const hidden = ['PasswordSet', 'UsernameReserved', 'EmailReserved', 'PasscodeSet'];
  const all = Object.keys(eventSchemas);
  assert.ok(hidden.every((type) => all.includes(type)));
  assert.deepEqual(
    [...operationLogsProjector.eventTypes].sort(),
    all.filter((type) => !hidden.includes(type)).sort(),
  );
  assert.equal(operationLogsProjector.eventTypes.length, all.length - hidden.length);
});

test('one row per event, with actor, resource, details and correlation; none for private events', async () => {
  const { userId, meetingId, events, all } = history(new EventFactory());
  // Handed the private events anyway (the runner filters them out), it still writes nothing for them.
  await apply(all);

  const { rows } = await database.pool.query(
    `SELECT event_id, user_id, action, resource_type, resource_id, details, correlation_id, created_at
     FROM operation_logs WHERE event_id = ANY($1) ORDER BY created_at`,
    [all.map((e) => e.eventId)],
  );
  const row = (event: DecodedEvent, resourceType: string, resourceId: string, actor: string | null) => ({
    event_id: event.eventId,
    user_id: actor,
    action: event.type,
    resource_type: resourceType,
    resource_id: resourceId,
    details: event.data,
    correlation_id: `req-${userId}`,
    created_at: event.occurredAt,
  });
  assert.deepEqual(rows, [
    row(events.registered, 'user', userId, userId),
    row(events.scheduled, 'meeting', meetingId, userId),
    row(events.started, 'meeting', meetingId, userId),
    row(events.published, 'media', meetingId, null),
  ]);
  const { rows: leaks } = await database.pool.query(
    `SELECT action FROM operation_logs
     WHERE action IN ('PasswordSet', 'UsernameReserved', 'EmailReserved') OR details::text LIKE '%argon2id%'
       OR resource_type IN ('credentials', 'username', 'email')`,
  );
  assert.deepEqual(leaks, []);
});

test('applying the batch again, or any prefix of it, leaves every row identical', async () => {
  const { all } = history(new EventFactory());
  await apply(all);
  const once = await snapshotTables(database.pool, ['operation_logs']);
  await apply(all);
  assert.deepEqual(await snapshotTables(database.pool, ['operation_logs']), once);
  for (let end = 1; end <= all.length; end++) {
    await apply(all.slice(0, end));
    assert.deepEqual(
      await snapshotTables(database.pool, ['operation_logs']),
      once,
      `the first ${end} events again`,
    );
  }
});
