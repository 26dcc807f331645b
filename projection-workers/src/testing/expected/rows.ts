import { createHash } from 'node:crypto';
import type { MediaKind, MeetingAccess, MeetingSettings, ParticipantRole, UserRole } from '@meetings/events';

/*
 * The rows the fold expects, one interface per read table: the projected columns only (no
 * created_at/updated_at, no bigserial ids). Times are ISO strings, numbers plain numbers (the test
 * casts bigint and numeric columns), absent values null.
 */

export const iso = (at: Date | string): string => new Date(at).toISOString();

export interface MeetingRow {
  id: string;
  creator_id: string;
  title: string;
  description: string | null;
  status: 'scheduled' | 'started' | 'ended' | 'cancelled';
  start_time: string;
  end_time: string | null;
  actual_start_at: string | null;
  actual_end_at: string | null;
  max_participants: number;
  is_recording: boolean;
  settings: MeetingSettings;
  access: MeetingAccess;
  lobby: boolean;
  cancel_reason: string | null;
  deleted_at: null;
  last_stream_version: number;
}

export interface ParticipantRow {
  id: string;
  meeting_id: string;
  user_id: string;
  role: ParticipantRole;
  join_time: string | null;
  leave_time: string | null;
  leave_reason: 'left' | 'meeting_ended' | 'removed' | null;
  removed_by: string | null;
  remove_reason: string | null;
  is_muted: boolean;
  is_video_on: boolean;
  last_stream_version: number;
}

export interface RoomRow {
  room_id: string;
  meeting_id: string;
  sfu_node_id: string | null;
  status: 'open' | 'closed';
  current_participants: number;
  opened_at: string;
  closed_at: string | null;
  last_stream_version: number;
}

export interface RecordingRow {
  id: string;
  meeting_id: string;
  started_by: string;
  stopped_by: string | null;
  status: 'recording' | 'processing' | 'completed' | 'failed';
  started_at: string;
  stopped_at: string | null;
  completed_at: string | null;
  file_path: string | null;
  file_size: number | null;
  duration: number | null;
  format: string | null;
  failure_reason: string | null;
  deleted_at: null;
  last_stream_version: number;
}

export interface ChatRow {
  id: string;
  meeting_id: string;
  sender_id: string;
  recipient_id: string | null;
  message_type: 'chat';
  content: string;
  payload: null;
  sent_at: string;
  last_stream_version: number;
}

export interface UserRow {
  id: string;
  username: string;
  email: string;
  full_name: string;
  avatar_url: string | null;
  role: UserRole;
  status: 'active';
  last_login_at: null;
  deleted_at: null;
  last_stream_version: number;
}

export interface MediaStreamRow {
  id: string;
  meeting_id: string;
  user_id: string;
  participant_id: string;
  room_id: string;
  stream_type: MediaKind;
  resolution: null;
  sfu_node_id: string;
  producer_id: string;
  codec: string;
  status: 'active' | 'closed';
  close_reason: string | null;
  published_at: string;
  closed_at: string | null;
  bitrate: number | null;
  packet_loss_percent: number | null;
  jitter_ms: number | null;
  rtt_ms: number | null;
  last_sampled_at: string | null;
  last_stream_version: number;
}

export interface OperationLogRow {
  event_id: string;
  user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  details: unknown;
  correlation_id: string;
  created_at: string;
}

/** A row of the active_meetings_stats view, without duration_seconds (it reads the clock). */
export interface ActiveMeetingStatsRow {
  meeting_id: string;
  title: string;
  creator_id: string;
  start_time: string;
  actual_start_at: string | null;
  current_participants: number;
  muted_participants: number;
  video_on_participants: number;
  is_recording: boolean;
  active_media_streams: number;
}

export interface InvitationRow {
  meeting_id: string;
  user_id: string;
  invited_by: string;
  invited_at: string;
  revoked_by: string | null;
  revoked_at: string | null;
  last_stream_version: number;
}

export interface BanRow {
  meeting_id: string;
  user_id: string;
  banned_by: string;
  banned_at: string;
  lifted_by: string | null;
  lifted_at: string | null;
  last_stream_version: number;
}

/** The id of a (meeting, user) participant, as the tables derive it: md5 of `<meetingId>:<userId>` as a uuid. */
export function participantKey(meetingId: string, userId: string): string {
  const hex = createHash('md5').update(`${meetingId}:${userId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
