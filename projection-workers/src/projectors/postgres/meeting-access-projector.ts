import type { ClientBase } from 'pg';
import { defineProjector } from './define-projector.js';

/*
 * meeting_invitations and meeting_bans from the meeting stream (see migration
 * 20261201000001_meeting_access). One row per meeting and user, never deleted: revoking an
 * invitation or lifting a ban stamps the row, and every statement changes it only below the
 * event's stream version, so a redelivered event changes nothing.
 */

const upsertInvitation = `
  INSERT INTO meeting_invitations AS i (meeting_id, user_id, invited_by, invited_at, last_stream_version, created_at)
  VALUES ($1, $2, $3, $4, $5, $4)
  ON CONFLICT (meeting_id, user_id) DO UPDATE SET
    invited_by = EXCLUDED.invited_by, invited_at = EXCLUDED.invited_at,
    revoked_by = NULL, revoked_at = NULL, last_stream_version = EXCLUDED.last_stream_version
  WHERE i.last_stream_version < EXCLUDED.last_stream_version`;

const upsertBan = `
  INSERT INTO meeting_bans AS b (meeting_id, user_id, banned_by, banned_at, last_stream_version, created_at)
  VALUES ($1, $2, $3, $4, $5, $4)
  ON CONFLICT (meeting_id, user_id) DO UPDATE SET
    banned_by = EXCLUDED.banned_by, banned_at = EXCLUDED.banned_at,
    lifted_by = NULL, lifted_at = NULL, last_stream_version = EXCLUDED.last_stream_version
  WHERE b.last_stream_version < EXCLUDED.last_stream_version`;

/** Stamps an existing row (`table` is one of ours, never input). */
const stamp = (tx: ClientBase, table: string, by: string, at: string, args: readonly unknown[]) =>
  tx.query(
    `UPDATE ${table} SET ${by} = $3, ${at} = $4, last_stream_version = $5
     WHERE meeting_id = $1 AND user_id = $2 AND last_stream_version < $5`,
    [...args],
  );

export const meetingAccessProjector = defineProjector('meeting-access', {
  ParticipantInvited: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(upsertInvitation, [
      data.meetingId,
      data.userId,
      data.invitedBy,
      occurredAt.toISOString(),
      streamVersion,
    ]),
  InvitationRevoked: (tx, { data, streamVersion, occurredAt }) =>
    stamp(tx, 'meeting_invitations', 'revoked_by', 'revoked_at', [
      data.meetingId,
      data.userId,
      data.revokedBy,
      occurredAt.toISOString(),
      streamVersion,
    ]),
  /** Only a removal with a ban concerns these tables. */
  ParticipantRemoved: async (tx, { data, streamVersion, occurredAt }) => {
    if (!data.banned) return;
    await tx.query(upsertBan, [
      data.meetingId,
      data.userId,
      data.removedBy,
      occurredAt.toISOString(),
      streamVersion,
    ]);
  },
  BanLifted: (tx, { data, streamVersion, occurredAt }) =>
    stamp(tx, 'meeting_bans', 'lifted_by', 'lifted_at', [
      data.meetingId,
      data.userId,
      data.liftedBy,
      occurredAt.toISOString(),
      streamVersion,
    ]),
});
