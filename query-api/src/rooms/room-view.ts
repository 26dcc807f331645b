import type { Room } from '../read/models.js';
import type { Viewer } from '../read/visibility.js';

/** Room changes that concern the lobby alone: a viewer who may not see it is not told of them. */
export const LOBBY_CHANGES: ReadonlySet<string> = new Set([
  'ParticipantWaiting',
  'ParticipantAdmitted',
  'ParticipantDenied',
  'ParticipantLeftLobby',
]);

/**
 * Whether the viewer sees who waits in the lobby: the meeting's creator, a host present in the
 * room (as the write side lets a promoted host act only while present), or an admin.
 */
export function seesLobby(viewer: Viewer, hostId: string, room: Room | null): boolean {
  if (viewer.isAdmin || viewer.userId === hostId) return true;
  return room?.participants.some((p) => p.userId === viewer.userId && p.role === 'host') ?? false;
}

/** The room as this viewer may see it: without the lobby for anyone but hosts (and admins). */
export function roomFor(viewer: Viewer, hostId: string, room: Room | null): Room | null {
  if (!room || seesLobby(viewer, hostId, room)) return room;
  return { ...room, lobby: null };
}
