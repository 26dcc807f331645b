/*
 * The live room of a meeting as the SFU needs it, read from the Redis room cache `room:{meetingId}`
 * that projection-workers' room-cache projector writes (its header documents the layout). Only
 * what admission and enforcement use is parsed; the rest of the hash is ignored.
 */

export interface PresentParticipant {
  role: 'host' | 'participant';
  isMuted: boolean;
  isVideoOn: boolean;
}

export interface Room {
  meetingId: string;
  /** 'active' once MeetingStarted applied; the cache deletes the room when the meeting ends. */
  started: boolean;
  /** Present participants only: lobby waiters, removed, banned and departed users are absent. */
  participants: ReadonlyMap<string, PresentParticipant>;
  /** The SFU node the meeting is placed on (MeetingPlacedOnSfuNode); null before, or without placement. */
  sfuNodeId: string | null;
  /** The recording running (`is_recording`, `recording_id`); null when none is. */
  recordingId: string | null;
  /** The meeting stream version last applied: an older change must not undo a newer one. */
  version: number;
}

const json = (text: string | undefined): unknown => {
  try {
    return JSON.parse(text || 'null') as unknown;
  } catch {
    return null;
  }
};

/** A hash as HGETALL returns it; null for an empty or foreign one (no room). */
export function parseRoom(hash: Record<string, string> | null): Room | null {
  if (!hash || !hash.meeting_id) return null;
  const ids = json(hash.participants);
  const stateJson = json(hash.participant_state);
  const state =
    stateJson && typeof stateJson === 'object' && !Array.isArray(stateJson)
      ? (stateJson as Record<string, { role?: unknown; isMuted?: unknown; isVideoOn?: unknown } | undefined>)
      : {};
  const participants = new Map<string, PresentParticipant>();
  for (const userId of Array.isArray(ids) ? ids : []) {
    if (typeof userId !== 'string') continue;
    const p = state[userId] ?? {};
    participants.set(userId, {
      role: p.role === 'host' ? 'host' : 'participant',
      isMuted: p.isMuted === true,
      isVideoOn: p.isVideoOn === true,
    });
  }
  return {
    meetingId: hash.meeting_id,
    started: hash.status === 'active',
    participants,
    sfuNodeId: hash.sfu_node_id || null,
    recordingId: hash.is_recording === '1' && hash.recording_id ? hash.recording_id : null,
    version: Number(hash.version ?? 0) || 0,
  };
}
