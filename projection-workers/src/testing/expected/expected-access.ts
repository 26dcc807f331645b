import type { DecodedEvent } from '@meetings/events';
import { iso } from './rows.js';
import type { BanRow, InvitationRow } from './rows.js';

/*
 * meeting_invitations and meeting_bans as a plain fold of the log: one row per meeting and user
 * ever invited (banned), stamped while revoked (lifted), reset by a new invitation (ban).
 */

export interface AccessTables {
  meeting_invitations: InvitationRow[];
  meeting_bans: BanRow[];
}

export function foldAccessTables(events: readonly DecodedEvent[]): AccessTables {
  const invitations = new Map<string, InvitationRow>();
  const bans = new Map<string, BanRow>();
  const row = <R>(rows: Map<string, R>, meetingId: string, userId: string, type: string): R => {
    const found = rows.get(`${meetingId}/${userId}`);
    if (!found) throw new Error(`${type} of ${userId} in ${meetingId} without a row`);
    return found;
  };
  for (const event of events) {
    const at = iso(event.occurredAt);
    const version = event.streamVersion;
    switch (event.type) {
      case 'ParticipantInvited': {
        const { meetingId, userId, invitedBy } = event.data;
        invitations.set(`${meetingId}/${userId}`, {
          meeting_id: meetingId,
          user_id: userId,
          invited_by: invitedBy,
          invited_at: at,
          revoked_by: null,
          revoked_at: null,
          last_stream_version: version,
        });
        break;
      }
      case 'InvitationRevoked': {
        const invitation = row(invitations, event.data.meetingId, event.data.userId, event.type);
        invitation.revoked_by = event.data.revokedBy;
        invitation.revoked_at = at;
        invitation.last_stream_version = version;
        break;
      }
      case 'ParticipantRemoved': {
        const { meetingId, userId, removedBy, banned } = event.data;
        if (!banned) break;
        bans.set(`${meetingId}/${userId}`, {
          meeting_id: meetingId,
          user_id: userId,
          banned_by: removedBy,
          banned_at: at,
          lifted_by: null,
          lifted_at: null,
          last_stream_version: version,
        });
        break;
      }
      case 'BanLifted': {
        const ban = row(bans, event.data.meetingId, event.data.userId, event.type);
        ban.lifted_by = event.data.liftedBy;
        ban.lifted_at = at;
        ban.last_stream_version = version;
        break;
      }
      default:
        break;
    }
  }
  return { meeting_invitations: [...invitations.values()], meeting_bans: [...bans.values()] };
}
