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

/** A JSON field of the hash; null when absent. */
const jsonField = (hash: Record<string, string>, field: string): unknown =>
  JSON.parse(hash[field] || 'null') as unknown;

/** A JSON object field of the hash; {} when absent (Lua's cjson may write an empty one as []). */
function objectField(hash: Record<string, string>, field: string): Record<string, unknown> {
  const stored = jsonField(hash, field);
  return stored && typeof stored === 'object' && !Array.isArray(stored)
    ? (stored as Record<string, unknown>)
    : {};
}

/** Epoch seconds (the seed's time format in Redis) as the API's ISO time; '' when absent. */
function isoFromSeconds(value: string | undefined): string {
  const seconds = Number(value);
  return value && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : '';
}

/**
 * The hash as HGETALL returns it (strings), as an API room with its lobby; null for an empty hash
 * (no room). Who may see the lobby is `roomFor`'s business. `participants` (the seed's list of ids,
 * in join order) gives the order, `participant_state` each one's state.
 */
export function parseRoom(hash: Record<string, string> | null): Room | null {
  if (!hash || Object.keys(hash).length === 0 || !hash.meeting_id) return null;
  const ids = jsonField(hash, 'participants');
  const state = objectField(hash, 'participant_state') as Record<string, StoredParticipant | undefined>;
  const participants: RoomParticipant[] = (Array.isArray(ids) ? ids : [])
    .filter((id): id is string => typeof id === 'string')
    .map((userId) => {
      const p = state[userId] ?? {};
      return {
        userId,
        role: p.role === 'host' ? ('host' as const) : ('participant' as const),
        isMuted: p.isMuted === true,
        isVideoOn: p.isVideoOn === true,
        joinedAt: typeof p.joinedAt === 'string' ? p.joinedAt : '',
      };
    });
  const createdAt = isoFromSeconds(hash.created_at);
  return {
    meetingId: hash.meeting_id,
    // The API keeps the name it had before the cache took the seed's 'active'.
    status: hash.status === 'active' ? 'live' : 'waiting',
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
    createdAt,
    updatedAt: isoFromSeconds(hash.updated_at) || createdAt,
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

  /** The SFU node the meeting was placed on (the room's `sfu_node_id`); null before, or no room. */
  async sfuNodeOf(meetingId: string): Promise<string | null> {
    return (await this.redis.hget(roomKey(meetingId), 'sfu_node_id')) || null;
  }
}
