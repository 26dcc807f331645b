import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import { EventFactory } from '../../testing/event-factory.js';
import { applyInTransaction, snapshotTables } from '../../testing/postgres-projection.js';
import { usersProjector } from './users-projector.js';

const database = useTestDatabase();

const apply = (events: Parameters<typeof usersProjector.apply>[1]) =>
  applyInTransaction(database.pool, usersProjector, events);

function history(f: EventFactory) {
  const [ada, bob] = [randomUUID(), randomUUID()];
  const e = {
    adaRegistered: f.event(streams.user(ada), 'UserRegistered', {
      userId: ada,
      username: `Ada-${ada.slice(0, 8)}`,
      email: `ada-${ada.slice(0, 8)}@example.com`,
      displayName: 'Ada',
      role: 'user',
    }),
    bobRegistered: f.event(streams.user(bob), 'UserRegistered', {
      userId: bob,
      username: `bob-${bob.slice(0, 8)}`,
      email: `bob-${bob.slice(0, 8)}@example.com`,
      displayName: 'Bob',
      role: 'admin',
    }),
    adaAvatar: f.event(streams.user(ada), 'UserProfileUpdated', {
      userId: ada,
      avatarUrl: 'https://cdn.example.com/ada.png',
    }),
    adaRenamed: f.event(streams.user(ada), 'UserProfileUpdated', { userId: ada, displayName: 'Ada L.' }),
    bobBoth: f.event(streams.user(bob), 'UserProfileUpdated', {
      userId: bob,
      displayName: 'Robert',
      avatarUrl: 'https://cdn.example.com/bob.png',
    }),
    bobAvatarCleared: f.event(streams.user(bob), 'UserProfileUpdated', { userId: bob, avatarUrl: null }),
  };
  return { ada, bob, e, events: Object.values(e) };
}

const user = async (id: string) =>
  (
    await database.pool.query(
      `SELECT id, username, email, full_name, avatar_url, role, status, last_login_at, deleted_at,
         last_stream_version, created_at
       FROM users WHERE id = $1`,
      [id],
    )
  ).rows[0] as Record<string, unknown> | undefined;

test('reads the user stream’s events', () => {
  assert.equal(usersProjector.name, 'users');
  assert.deepEqual(usersProjector.eventTypes, [
    'UserRegistered',
    'UserProfileUpdated',
    'UserRoleChanged',
    'UserLoggedIn',
    'UserStatusChanged',
    'UserDeleted',
  ]);
});

test('a role change applies once, and a redelivered older one does not undo a newer one', async () => {
  const f = new EventFactory();
  const id = randomUUID();
  const registered = f.event(streams.user(id), 'UserRegistered', {
    userId: id,
    username: `cy-${id.slice(0, 8)}`,
    email: `cy-${id.slice(0, 8)}@example.com`,
    displayName: 'Cy',
    role: 'user',
  });
  const promoted = f.event(streams.user(id), 'UserRoleChanged', {
    userId: id,
    role: 'admin',
    changedBy: null,
  });
  const demoted = f.event(streams.user(id), 'UserRoleChanged', {
    userId: id,
    role: 'user',
    changedBy: randomUUID(),
  });
  await apply([registered, promoted]);
  assert.equal((await user(id))!.role, 'admin');
  await apply([demoted]);
  await apply([promoted]);
  assert.equal((await user(id))!.role, 'user');
  assert.equal((await user(id))!.last_stream_version, '3');
});

test('registration inserts the user; profile updates change only the fields they carry', async () => {
  const { ada, bob, e } = history(new EventFactory());

  await apply([e.adaRegistered, e.bobRegistered]);
  const adaRow = {
    id: ada,
    username: e.adaRegistered.data.username,
    email: e.adaRegistered.data.email,
    full_name: 'Ada',
    avatar_url: null,
    role: 'user',
    status: 'active',
    last_login_at: null,
    deleted_at: null,
    last_stream_version: '1',
    created_at: e.adaRegistered.occurredAt,
  };
  assert.deepEqual(await user(ada), adaRow);
  const bobRow = {
    ...adaRow,
    id: bob,
    username: e.bobRegistered.data.username,
    email: e.bobRegistered.data.email,
    full_name: 'Bob',
    role: 'admin',
    created_at: e.bobRegistered.occurredAt,
  };
  assert.deepEqual(await user(bob), bobRow);

  await apply([e.adaAvatar]);
  assert.deepEqual(await user(ada), {
    ...adaRow,
    avatar_url: 'https://cdn.example.com/ada.png',
    last_stream_version: '2',
  });
  await apply([e.adaRenamed]);
  assert.deepEqual(await user(ada), {
    ...adaRow,
    full_name: 'Ada L.',
    avatar_url: 'https://cdn.example.com/ada.png',
    last_stream_version: '3',
  });

  await apply([e.bobBoth]);
  const robert = {
    ...bobRow,
    full_name: 'Robert',
    avatar_url: 'https://cdn.example.com/bob.png',
    last_stream_version: '2',
  };
  assert.deepEqual(await user(bob), robert);
  // A null avatarUrl clears the avatar; the absent displayName keeps the name.
  await apply([e.bobAvatarCleared]);
  assert.deepEqual(await user(bob), { ...robert, avatar_url: null, last_stream_version: '3' });
});

test('applying the batch, or any prefix of it, again leaves every row identical', async () => {
  const { events } = history(new EventFactory());
  await apply(events);
  const once = await snapshotTables(database.pool, ['users']);
  await apply(events);
  assert.deepEqual(await snapshotTables(database.pool, ['users']), once);
  for (let end = 1; end <= events.length; end++) {
    await apply(events.slice(0, end));
    assert.deepEqual(await snapshotTables(database.pool, ['users']), once, `prefix of ${end}`);
  }
  // An old event alone, e.g. redelivered after a crash, changes nothing either.
  await apply([events[2]!]);
  assert.deepEqual(await snapshotTables(database.pool, ['users']), once);
});
