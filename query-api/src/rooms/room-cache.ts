import type { Redis } from 'ioredis';
import type { LobbyEntry, Room, RoomParticipant } from '../read/models.js';

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

/** A JSON object field of the hash; {} when absent (a room written before the field existed). */
function objectField(hash: Record<string, string>, field: string): Record<string, unknown> {
  // Lua's cjson writes an empty table as {} and could write [] — both mean nothing.
  const stored = JSON.parse(hash[field] || '{}') as unknown;
  return stored && typeof stored === 'object' && !Array.isArray(stored)
    ? (stored as Record<string, unknown>)
    : {};
}

/**
 * The hash as HGETALL returns it (strings), as an API room with its lobby; null for an empty hash
 * (no room). Who may see the lobby is `roomFor`'s business.
 */
export function parseRoom(hash: Record<string, string> | null): Room | null {
  if (!hash || Object.keys(hash).length === 0 || !hash.meeting_id) return null;
  const entries = Object.entries(objectField(hash, 'participants') as Record<string, StoredParticipant>);
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
    lobby: Object.entries(objectField(hash, 'lobby') as Record<string, { waitingSince?: unknown }>)
      .map(([userId, w]): LobbyEntry => ({
        userId,
        waitingSince: typeof w.waitingSince === 'string' ? w.waitingSince : '',
      }))
      .sort((a, b) => a.waitingSince.localeCompare(b.waitingSince) || a.userId.localeCompare(b.userId)),
    settings: objectField(hash, 'settings'),
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
