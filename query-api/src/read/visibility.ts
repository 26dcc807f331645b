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

export const MEETINGS_TABLE: MeetingColumns = { id: 'm.id', hostId: 'm.host_id' };

/**
 * The meetings `userId` is involved in: hosts (host_id) or has an attendance row in (invited,
 * joined, left or removed — once in a meeting, its history stays readable).
 */
export function involvedIn(userId: string, columns: MeetingColumns, params: SqlParams): string {
  const user = params.add(userId);
  return (
    `${columns.hostId} = ${user}::uuid OR EXISTS (SELECT 1 FROM meeting_participants vp ` +
    `WHERE vp.meeting_id = ${columns.id} AND vp.user_id = ${user}::uuid)`
  );
}

/** The meetings a viewer may see: all for an admin, else those they are involved in. */
export function visibleMeetings(viewer: Viewer, columns: MeetingColumns, params: SqlParams): string {
  return viewer.isAdmin ? 'TRUE' : involvedIn(viewer.userId, columns, params);
}

/**
 * Chat messages a viewer may read (of a meeting they may see): public ones, and private ones they
 * sent or received; an admin reads all.
 */
export function visibleChat(viewer: Viewer, alias: string, params: SqlParams): string {
  if (viewer.isAdmin) return 'TRUE';
  const user = params.add(viewer.userId);
  return (
    `${alias}.recipient_id IS NULL OR ${alias}.sender_id = ${user}::uuid ` +
    `OR ${alias}.recipient_id = ${user}::uuid`
  );
}
