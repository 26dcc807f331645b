import { streamVersion, timestamps, touchUpdatedAt } from './sql.js';
import type { SqlStep } from './sql.js';

/**
 * Projected from `user-<id>` streams. Username and email are unique case-insensitively among live
 * users only: the write side's reservation streams own uniqueness, and a soft-deleted row must not
 * stop the projector should a name ever be released and registered again.
 */
export const users: SqlStep = {
  up: `
    CREATE TABLE users (
      id uuid PRIMARY KEY,
      username text NOT NULL,
      email text NOT NULL,
      display_name text NOT NULL,
      avatar_url text,
      role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      last_login_at timestamptz,
      deleted_at timestamptz,${streamVersion},${timestamps}
    );
    CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username)) WHERE deleted_at IS NULL;
    CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email)) WHERE deleted_at IS NULL;
    ${touchUpdatedAt('users')}`,
  down: 'DROP TABLE IF EXISTS users;',
};
