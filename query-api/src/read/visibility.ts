import type { SqlParams } from './sql.js';

/** Who is asking: the session's user and whether it is an admin. */
export interface Viewer {
  userId: string;
  isAdmin: boolean;
}

/** The columns naming a meeting and its host in the query at hand. */
export interface MeetingColumns {
  id: string;
  hostId: string;
}

export const MEETINGS_TABLE: MeetingColumns = { id: 'm.id', hostId: 'm.creator_id' };

/**
 * The meetings `userId` is involved in: hosts (creator_id), has an attendance row in (joined, left or
 * removed — once in a meeting, its history stays readable), or is invited to (an invitation not
 * revoked: invitees see the meeting before they join).
 */
export function involvedIn(userId: string, columns: MeetingColumns, params: SqlParams): string {
  const user = params.add(userId);
  return (
    `${columns.hostId} = ${user}::uuid OR EXISTS (SELECT 1 FROM meeting_participants vp ` +
    `WHERE vp.meeting_id = ${columns.id} AND vp.user_id = ${user}::uuid) ` +
    `OR EXISTS (SELECT 1 FROM meeting_invitations vi WHERE vi.meeting_id = ${columns.id} ` +
    `AND vi.user_id = ${user}::uuid AND vi.revoked_at IS NULL)`
  );
}

/** The meetings a viewer may see: all for an admin, else those they are involved in. */
export function visibleMeetings(viewer: Viewer, columns: MeetingColumns, params: SqlParams): string {
  return viewer.isAdmin ? 'TRUE' : involvedIn(viewer.userId, columns, params);
}

/**
 * Chat messages a viewer may read (of a meeting they may see): public ones, and private ones they
 * sent or received; an admin reads all. A user banned from the meeting reads nothing sent after
 * the ban (what came before stays theirs), until the ban is lifted.
 */
export function visibleChat(viewer: Viewer, alias: string, params: SqlParams): string {
  if (viewer.isAdmin) return 'TRUE';
  const user = params.add(viewer.userId);
  return (
    `(${alias}.recipient_id IS NULL OR ${alias}.sender_id = ${user}::uuid ` +
    `OR ${alias}.recipient_id = ${user}::uuid) ` +
    `AND NOT EXISTS (SELECT 1 FROM meeting_bans vb WHERE vb.meeting_id = ${alias}.meeting_id ` +
    `AND vb.user_id = ${user}::uuid AND vb.lifted_at IS NULL AND ${alias}.sent_at > vb.banned_at)`
  );
}
