import { PostgresPersonalDataVault } from '@meetings/db';
import { erasedValue } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';
import { defineBatchProjector } from './define-projector.js';
import { RowsById, timestamp } from './versioned-rows.js';
import type { TableSpec } from './versioned-rows.js';

interface UserRow {
  id: string;
  username: string;
  email: string;
  full_name: string;
  avatar_url: string | null;
  role: string;
  status: string;
  last_login_at: string | null;
  deleted_at: string | null;
  last_stream_version: number;
  created_at: string;
}

const users: TableSpec<UserRow> = {
  table: 'users',
  key: ['id'],
  insertOnly: ['created_at'],
  columns: {
    id: 'uuid',
    username: 'text',
    email: 'text',
    full_name: 'text',
    avatar_url: 'text',
    role: 'text',
    status: 'text',
    last_login_at: 'timestamptz',
    deleted_at: 'timestamptz',
    last_stream_version: 'bigint',
    created_at: 'timestamptz',
  },
};

/**
 * `users` from `user-<id>` streams. Credentials and the username/email reservations live in streams
 * of their own and are not read: the table holds the profile only. A batch is folded in memory
 * (see versioned-rows.ts), its events' personal fields revealed first (see below).
 */
const fold = defineBatchProjector(
  'users',
  (tx, events) =>
    RowsById.load(
      tx,
      users,
      events.map((e) => e.data.userId),
    ),
  {
    UserRegistered: (state, { data, streamVersion, occurredAt }) =>
      state.rows.upsert(
        data.userId,
        streamVersion,
        () => ({
          id: data.userId,
          username: data.username,
          email: data.email,
          full_name: data.displayName,
          avatar_url: null,
          role: data.role,
          status: 'active',
          last_login_at: null,
          deleted_at: null,
          last_stream_version: streamVersion,
          created_at: timestamp(occurredAt),
        }),
        (u) => {
          u.username = data.username;
          u.email = data.email;
          u.full_name = data.displayName;
          u.role = data.role;
        },
      ),

    /** Absent fields did not change; a `null` avatarUrl clears the avatar. */
    UserProfileUpdated: (state, { data, streamVersion }) =>
      state.rows.update(data.userId, streamVersion, (u) => {
        u.full_name = data.displayName ?? u.full_name;
        if (data.avatarUrl !== undefined) u.avatar_url = data.avatarUrl;
      }),

    UserRoleChanged: (state, { data, streamVersion }) =>
      state.rows.update(data.userId, streamVersion, (u) => {
        u.role = data.role;
      }),

    UserLoggedIn: (state, { data, streamVersion, occurredAt }) =>
      state.rows.update(data.userId, streamVersion, (u) => {
        u.last_login_at = timestamp(occurredAt);
      }),

    UserStatusChanged: (state, { data, streamVersion }) =>
      state.rows.update(data.userId, streamVersion, (u) => {
        u.status = data.status;
      }),

    /**
     * Erased values, whatever the earlier events held: events appended before personal fields
     * were encrypted hold them in clear, and this is what erases them from the table.
     */
    UserDeleted: (state, { data, streamVersion, occurredAt }) =>
      state.rows.update(data.userId, streamVersion, (u) => {
        u.username = erasedValue(data.userId);
        u.email = erasedValue(data.userId);
        u.full_name = erasedValue(data.userId);
        u.avatar_url = null;
        u.deleted_at = timestamp(occurredAt);
      }),
  },
);

/**
 * The personal fields are decrypted with the keys in `personal_data_keys`, read in the batch's own
 * transaction (the table sits beside the read tables), whether the events came from the store or
 * from Kafka: a destroyed key reads as erased, in a rebuild too. Applying a deletion destroys the
 * key as well, the backstop of the command service destroying it right after the append.
 */
export const usersProjector: Projector<ClientBase> = {
  ...fold,
  async apply(tx, events) {
    const vault = new PostgresPersonalDataVault(tx);
    await fold.apply(tx, await vault.reveal(events));
    for (const event of events) if (event.type === 'UserDeleted') await vault.destroy(event.data.userId);
  },
};
