import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresPersonalDataVault } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import pg from 'pg';
import { EventFactory } from '../../testing/event-factory.js';
import { applyInTransaction } from '../../testing/postgres-projection.js';
import { usersProjector } from './users-projector.js';

let db: TestDatabase;
let pool: pg.Pool;
let vault: PostgresPersonalDataVault;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  vault = new PostgresPersonalDataVault(pool);
});
after(async () => {
  pool.on('error', () => undefined);
  await pool.end();
  await db.drop();
});

const apply = (events: readonly DecodedEvent[]) => applyInTransaction(pool, usersProjector, events);

const row = async (id: string) =>
  (
    await pool.query(
      `SELECT username, email, full_name, avatar_url, status, last_login_at::text, deleted_at::text
       FROM users WHERE id = $1`,
      [id],
    )
  ).rows[0] as Record<string, unknown>;

/** The rows dropped and the history applied again, as a rebuild from the log does. */
async function rebuild(id: string, events: readonly DecodedEvent[]) {
  await pool.query('DELETE FROM users WHERE id = $1', [id]);
  await apply(events);
  return row(id);
}

function account(f: EventFactory, id: string) {
  const name = `ada-${id.slice(0, 8)}`;
  return {
    name,
    registered: f.event(streams.user(id), 'UserRegistered', {
      userId: id,
      username: name,
      email: `${name}@example.com`,
      displayName: 'Ada Lovelace',
      role: 'user',
    }),
    avatar: f.event(streams.user(id), 'UserProfileUpdated', {
      userId: id,
      avatarUrl: `https://cdn.example.com/${name}.png`,
    }),
    loggedIn: f.event(streams.user(id), 'UserLoggedIn', { userId: id }),
    disabled: f.event(streams.user(id), 'UserStatusChanged', {
      userId: id,
      status: 'disabled',
      changedBy: randomUUID(),
    }),
    deleted: f.event(streams.user(id), 'UserDeleted', { userId: id, deletedBy: id }),
  };
}

test('encrypted fields project in clear; log-in, status and deletion follow; a rebuild stays erased', async () => {
  const f = new EventFactory();
  const id = randomUUID();
  const a = account(f, id);
  const lived = await vault.conceal([a.registered, a.avatar, a.loggedIn, a.disabled]);
  assert.match(JSON.stringify(lived[0]!.data), /"username":"pd1:/);

  await apply(lived);
  assert.deepEqual(await row(id), {
    username: a.name,
    email: `${a.name}@example.com`,
    full_name: 'Ada Lovelace',
    avatar_url: `https://cdn.example.com/${a.name}.png`,
    status: 'disabled',
    last_login_at: '2026-03-02 09:00:02+00',
    deleted_at: null,
  });

  await apply([a.deleted]);
  const erased = {
    username: `erased-${id}`,
    email: `erased-${id}`,
    full_name: `erased-${id}`,
    avatar_url: null,
    status: 'disabled',
    last_login_at: '2026-03-02 09:00:02+00',
    deleted_at: '2026-03-02 09:00:04+00',
  };
  assert.deepEqual(await row(id), erased);
  // The projection destroyed the key too (the backstop of the command service doing it).
  const { rows } = await pool.query('SELECT key, destroyed_at FROM personal_data_keys WHERE user_id = $1', [
    id,
  ]);
  assert.equal(rows[0].key, null);
  assert.ok(rows[0].destroyed_at);

  // Rebuilt from the log, whole or without the deletion: erased, because the key is gone.
  assert.deepEqual(await rebuild(id, [...lived, a.deleted]), erased);
  const withoutDeletion = await rebuild(id, lived);
  assert.equal(withoutDeletion.username, `erased-${id}`);
  assert.equal(withoutDeletion.avatar_url, null);
});

test('events from before encryption project in clear, and a deletion still erases the row', async () => {
  const f = new EventFactory();
  const id = randomUUID();
  const a = account(f, id);
  const clear = [a.registered, a.avatar, a.loggedIn];
  await apply(clear);
  assert.equal((await row(id)).username, a.name);

  await vault.destroy(id);
  await apply([a.deleted]);
  assert.equal((await row(id)).email, `erased-${id}`);
  // Folded in one batch (a rebuild), the deletion overwrites what the clear events wrote.
  const rebuilt = await rebuild(id, [...clear, a.deleted]);
  assert.deepEqual([rebuilt.username, rebuilt.full_name], [`erased-${id}`, `erased-${id}`]);
  // And nothing new can be encrypted for the deleted user.
  await assert.rejects(vault.conceal([a.registered]), /erased/);
});
