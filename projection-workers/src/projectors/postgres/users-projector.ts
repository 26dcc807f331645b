import { defineProjector } from './define-projector.js';

/**
 * `users` from `user-<id>` streams. Credentials and the username/email reservations live in streams
 * of their own and are not read: the table holds the profile only.
 */
export const usersProjector = defineProjector('users', {
  UserRegistered: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `INSERT INTO users AS u (id, username, email, display_name, role, last_stream_version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET
         username = EXCLUDED.username,
         email = EXCLUDED.email,
         display_name = EXCLUDED.display_name,
         role = EXCLUDED.role,
         last_stream_version = EXCLUDED.last_stream_version
       WHERE u.last_stream_version < EXCLUDED.last_stream_version`,
      [data.userId, data.username, data.email, data.displayName, data.role, streamVersion, occurredAt],
    ),

  /** Absent fields did not change; a `null` avatarUrl clears the avatar. */
  UserProfileUpdated: (tx, { data, streamVersion }) =>
    tx.query(
      `UPDATE users SET
         display_name = COALESCE($3::text, display_name),
         avatar_url = CASE WHEN $4::boolean THEN $5::text ELSE avatar_url END,
         last_stream_version = $2
       WHERE id = $1 AND last_stream_version < $2`,
      [
        data.userId,
        streamVersion,
        data.displayName ?? null,
        data.avatarUrl !== undefined,
        data.avatarUrl ?? null,
      ],
    ),

  UserRoleChanged: (tx, { data, streamVersion }) =>
    tx.query(
      `UPDATE users SET role = $3, last_stream_version = $2 WHERE id = $1 AND last_stream_version < $2`,
      [data.userId, streamVersion, data.role],
    ),
});
