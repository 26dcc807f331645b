import type { Meeting, Participant } from './models.js';

/** Anything that runs a query: a pool or a client. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export const iso = (value: Date): string => value.toISOString();
export const isoOrNull = (value: Date | null): string | null => (value ? value.toISOString() : null);
/** bigint and numeric columns arrive as text; they fit a double in every realistic range. */
export const num = (value: string | number): number => Number(value);
export const numOrNull = (value: string | number | null): number | null =>
  value === null ? null : Number(value);

export interface MeetingRow {
  id: string;
  creator_id: string;
  title: string;
  description: string | null;
  status: Meeting['status'];
  start_time: Date;
  end_time: Date | null;
  actual_start_at: Date | null;
  actual_end_at: Date | null;
  max_participants: number;
  is_recording: boolean;
  settings: Record<string, unknown>;
  cancel_reason: string | null;
  last_stream_version: string;
  created_at: Date;
  updated_at: Date;
  /** exactTimestamp(start_time): the cursor's key. */
  sort_at: string;
}

export const MEETING_COLUMNS = `m.id, m.creator_id, m.title, m.description, m.status, m.start_time,
  m.end_time, m.actual_start_at, m.actual_end_at, m.max_participants, m.is_recording, m.settings,
  m.cancel_reason, m.last_stream_version, m.created_at, m.updated_at`;

export function toMeeting(r: MeetingRow): Meeting {
  return {
    id: r.id,
    hostId: r.creator_id,
    title: r.title,
    description: r.description,
    status: r.status,
    scheduledStartAt: iso(r.start_time),
    scheduledEndAt: isoOrNull(r.end_time),
    actualStartAt: isoOrNull(r.actual_start_at),
    actualEndAt: isoOrNull(r.actual_end_at),
    maxParticipants: r.max_participants,
    isRecording: r.is_recording,
    settings: r.settings,
    cancelReason: r.cancel_reason,
    version: num(r.last_stream_version),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export interface ParticipantRow {
  user_id: string;
  role: Participant['role'];
  join_time: Date | null;
  leave_time: Date | null;
  leave_reason: Participant['leaveReason'];
  removed_by: string | null;
  remove_reason: string | null;
  is_muted: boolean;
  is_video_on: boolean;
}

export function toParticipant(r: ParticipantRow): Participant {
  return {
    userId: r.user_id,
    role: r.role,
    joinedAt: isoOrNull(r.join_time),
    leftAt: isoOrNull(r.leave_time),
    leaveReason: r.leave_reason,
    removedBy: r.removed_by,
    removeReason: r.remove_reason,
    isMuted: r.is_muted,
    isVideoOn: r.is_video_on,
  };
}
