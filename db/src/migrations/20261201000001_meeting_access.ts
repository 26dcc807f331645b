import type { Knex } from 'knex';

/**
 * Who may enter a meeting, as the read side shows it.
 *
 * - meetings.access / meetings.lobby: the access settings as columns (filters, reports); the
 *   `settings` jsonb holds them too, as every settings field. Rows projected before this
 *   migration came from events that predate access modes, which the upcaster reads as
 *   `open` without a lobby: the defaults and the jsonb update say the same, so these rows equal a
 *   rebuild.
 * - meeting_invitations: one row per user ever invited to a meeting; `revoked_at` set while the
 *   invitation is revoked (a re-invitation clears it). Kept rather than deleted so that the row's
 *   version still guards against a redelivered invitation.
 * - meeting_bans: one row per user ever banned from a meeting; `lifted_at` set while the ban is
 *   lifted. `banned_at` bounds the chat a banned user may still read.
 * The seed's meeting_participants has no invitation status, hence tables of their own. Like every
 * read table since 20261121000005, no foreign keys: projectors run at their own pace.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE meetings
      ADD COLUMN access text NOT NULL DEFAULT 'open' CHECK (access IN ('invited', 'passcode', 'open')),
      ADD COLUMN lobby boolean NOT NULL DEFAULT false;
    UPDATE meetings SET settings = settings || '{"access": "open", "lobby": false}'::jsonb;

    CREATE TABLE meeting_invitations (
      meeting_id uuid NOT NULL,
      user_id uuid NOT NULL,
      invited_by uuid NOT NULL,
      invited_at timestamptz NOT NULL,
      revoked_by uuid,
      revoked_at timestamptz,
      last_stream_version bigint NOT NULL DEFAULT 0 CHECK (last_stream_version >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (meeting_id, user_id),
      CONSTRAINT meeting_invitations_revoked_pair_check CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
    );
    -- "Which meetings is this user invited to" (visibility).
    CREATE INDEX meeting_invitations_user_id_idx ON meeting_invitations (user_id) WHERE revoked_at IS NULL;
    CREATE TRIGGER meeting_invitations_set_updated_at BEFORE UPDATE ON meeting_invitations
      FOR EACH ROW EXECUTE FUNCTION set_updated_at();

    CREATE TABLE meeting_bans (
      meeting_id uuid NOT NULL,
      user_id uuid NOT NULL,
      banned_by uuid NOT NULL,
      banned_at timestamptz NOT NULL,
      lifted_by uuid,
      lifted_at timestamptz,
      last_stream_version bigint NOT NULL DEFAULT 0 CHECK (last_stream_version >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (meeting_id, user_id),
      CONSTRAINT meeting_bans_lifted_pair_check CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
    );
    CREATE TRIGGER meeting_bans_set_updated_at BEFORE UPDATE ON meeting_bans
      FOR EACH ROW EXECUTE FUNCTION set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS meeting_bans;
    DROP TABLE IF EXISTS meeting_invitations;
    UPDATE meetings SET settings = settings - 'access' - 'lobby';
    ALTER TABLE meetings DROP COLUMN lobby, DROP COLUMN access;
  `);
}
