import { defineBatchProjector } from './define-projector.js';
import { RowsById, timestamp } from './versioned-rows.js';
import type { TableSpec } from './versioned-rows.js';

interface UserRow {
  id: string;
  username: string;
  email: string;
  display_name: string;
  avatar_url: string | null;
  role: string;
  last_stream_version: number;
  created_at: string;
}

/** status, last_login_at and deleted_at are not the user stream's: never loaded, never overwritten. */
const users: TableSpec<UserRow> = {
  table: 'users',
  key: ['id'],
  insertOnly: ['created_at'],
  columns: {
    id: 'uuid',
    username: 'text',
    email: 'text',
    display_name: 'text',
    avatar_url: 'text',
    role: 'text',
    last_stream_version: 'bigint',
    created_at: 'timestamptz',
  },
};

/**
 * `users` from `user-<id>` streams. Credentials and the username/email reservations live in streams
 * of their own and are not read: the table holds the profile only. A batch is folded in memory
 * (see versioned-rows.ts).
 */
export const usersProjector = defineBatchProjector(
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
          display_name: data.displayName,
          avatar_url: null,
          role: data.role,
          last_stream_version: streamVersion,
          created_at: timestamp(occurredAt),
        }),
        (u) => {
          u.username = data.username;
          u.email = data.email;
          u.display_name = data.displayName;
          u.role = data.role;
        },
      ),

    /** Absent fields did not change; a `null` avatarUrl clears the avatar. */
    UserProfileUpdated: (state, { data, streamVersion }) =>
      state.rows.update(data.userId, streamVersion, (u) => {
        u.display_name = data.displayName ?? u.display_name;
        if (data.avatarUrl !== undefined) u.avatar_url = data.avatarUrl;
      }),

    UserRoleChanged: (state, { data, streamVersion }) =>
      state.rows.update(data.userId, streamVersion, (u) => {
        u.role = data.role;
      }),
  },
);
