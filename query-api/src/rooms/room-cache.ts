import type { Redis } from 'ioredis';
import type { Room, RoomParticipant } from '../read/models.js';

/*
 * The Redis room cache written by the room-cache projection (projection-workers'
 * room-cache-projector.ts documents the layout): `room:{meetingId}` hashes, and each change
 * PUBLISHed on `<prefix>room-changes:{meetingId}` as {meetingId, version, type, room | null}.
 */

export const roomKey = (meetingId: string) => `room:${meetingId}`;
/** PUBLISH channels are not keys: ioredis does not prefix them, the projector and we both do. */
export const roomChannel = (keyPrefix: string, meetingId: string) => `${keyPrefix}room-changes:${meetingId}`;

/** A message of a room-changes channel, as the projector publishes it. */
export interface RoomChangeMessage {
  meetingId: string;
  version: number;
  type: string;
  room: Record<string, string> | null;
}

interface StoredParticipant {
  role?: unknown;
  isMuted?: unknown;
  isVideoOn?: unknown;
  joinedAt?: unknown;
}

/** The hash as HGETALL returns it (strings), as an API room; null for an empty hash (no room). */
export function parseRoom(hash: Record<string, string> | null): Room | null {
  if (!hash || Object.keys(hash).length === 0 || !hash.meeting_id) return null;
  // Lua's cjson writes an empty table as {} and could write [] — both mean nobody.
  const stored = JSON.parse(hash.participants || '{}') as Record<string, StoredParticipant> | unknown[];
  const entries = Array.isArray(stored) ? [] : Object.entries(stored);
  const participants: RoomParticipant[] = entries
    .map(([userId, p]) => ({
      userId,
      role: p.role === 'host' ? ('host' as const) : ('participant' as const),
      isMuted: p.isMuted === true,
      isVideoOn: p.isVideoOn === true,
      joinedAt: typeof p.joinedAt === 'string' ? p.joinedAt : '',
    }))
    .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.userId.localeCompare(b.userId));
  return {
    meetingId: hash.meeting_id,
    status: hash.status === 'live' ? 'live' : 'waiting',
    participants,
    participantCount: participants.length,
    isRecording: hash.is_recording === '1',
    recordingId: hash.recording_id ? hash.recording_id : null,
    version: Number(hash.version ?? 0),
    createdAt: hash.created_at ?? '',
    updatedAt: hash.updated_at ?? hash.created_at ?? '',
  };
}

/** Parses a room-changes message; null when it is not one (a foreign publisher on our channel). */
export function parseRoomChange(text: string): RoomChangeMessage | null {
  try {
    const m = JSON.parse(text) as Partial<RoomChangeMessage>;
    if (typeof m.meetingId !== 'string' || typeof m.version !== 'number' || typeof m.type !== 'string') {
      return null;
    }
    const room = m.room && typeof m.room === 'object' ? m.room : null;
    return { meetingId: m.meetingId, version: m.version, type: m.type, room };
  } catch {
    return null;
  }
}

export class RoomCache {
  /** `redis` must carry the deployment's key prefix. */
  constructor(private readonly redis: Redis) {}

  async get(meetingId: string): Promise<Room | null> {
    return parseRoom(await this.redis.hgetall(roomKey(meetingId)));
  }
}
