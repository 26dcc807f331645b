import type { CursorKey } from './cursor.js';
import { page } from './cursor.js';
import type { Invitation, Meeting, MeetingDetail } from './models.js';
import type { MeetingRow, ParticipantRow, Queryable } from './rows.js';
import { MEETING_COLUMNS, toMeeting, toParticipant } from './rows.js';
import { and, exactTimestamp, SqlParams } from './sql.js';
import type { Viewer } from './visibility.js';
import { involvedIn, MEETINGS_TABLE, visibleMeetings } from './visibility.js';

export interface MeetingFilters {
  status?: Meeting['status'] | undefined;
  hostId?: string | undefined;
  /** start_time >= from */
  from?: string | undefined;
  /** start_time < to */
  to?: string | undefined;
  limit: number;
  cursor?: CursorKey | undefined;
}

/**
 * Which meetings a listing covers: those the viewer may see (all, for an admin), or those the
 * viewer is personally involved in (hosts or attends), whatever their role.
 */
export type MeetingScope = 'visible' | 'involved';

/** The meetings read table (and its participants), always through the viewer's visibility. */
export class MeetingsReader {
  constructor(private readonly db: Queryable) {}

  /** A page ordered by (start_time, id), after the cursor's key. */
  async list(viewer: Viewer, scope: MeetingScope, filters: MeetingFilters) {
    const p = new SqlParams();
    const where = [
      'm.deleted_at IS NULL',
      scope === 'involved'
        ? involvedIn(viewer.userId, MEETINGS_TABLE, p)
        : visibleMeetings(viewer, MEETINGS_TABLE, p),
    ];
    if (filters.status) where.push(`m.status = ${p.add(filters.status)}`);
    if (filters.hostId) where.push(`m.creator_id = ${p.add(filters.hostId)}::uuid`);
    if (filters.from) where.push(`m.start_time >= ${p.add(filters.from)}::timestamptz`);
    if (filters.to) where.push(`m.start_time < ${p.add(filters.to)}::timestamptz`);
    if (filters.cursor) {
      where.push(
        `(m.start_time, m.id) > (${p.add(filters.cursor.t)}::timestamptz, ${p.add(filters.cursor.i)}::uuid)`,
      );
    }
    const { rows } = await this.db.query<MeetingRow>(
      `SELECT ${MEETING_COLUMNS}, ${exactTimestamp('m.start_time')} AS sort_at
       FROM meetings m WHERE ${and(where)}
       ORDER BY m.start_time, m.id LIMIT ${p.add(filters.limit + 1)}`,
      p.values,
    );
    return page(rows, filters.limit, 'meetings', (r) => ({ t: r.sort_at, i: r.id }), toMeeting);
  }

  /** The meeting with its participants (in order of joining), or null when absent or not visible. */
  async get(viewer: Viewer, meetingId: string): Promise<MeetingDetail | null> {
    const p = new SqlParams();
    const id = p.add(meetingId);
    const { rows } = await this.db.query<MeetingRow>(
      `SELECT ${MEETING_COLUMNS}, '' AS sort_at FROM meetings m
       WHERE m.id = ${id}::uuid AND m.deleted_at IS NULL AND (${visibleMeetings(viewer, MEETINGS_TABLE, p)})`,
      p.values,
    );
    const row = rows[0];
    if (!row) return null;
    const participants = await this.db.query<ParticipantRow>(
      `SELECT user_id, role, join_time, leave_time, leave_reason, removed_by, remove_reason, is_muted, is_video_on
       FROM meeting_participants WHERE meeting_id = $1
       ORDER BY join_time NULLS LAST, id`,
      [meetingId],
    );
    return { ...toMeeting(row), participants: participants.rows.map(toParticipant) };
  }

  /** Whether the meeting exists and the viewer may see it (one answer for both: no existence leak). */
  async isVisible(viewer: Viewer, meetingId: string): Promise<boolean> {
    return (await this.visibleHost(viewer, meetingId)) !== null;
  }

  /** The creator of a meeting the viewer may see; null when absent or not visible. */
  async visibleHost(viewer: Viewer, meetingId: string): Promise<string | null> {
    const p = new SqlParams();
    const id = p.add(meetingId);
    const { rows } = await this.db.query<{ creator_id: string }>(
      `SELECT m.creator_id FROM meetings m
       WHERE m.id = ${id}::uuid AND m.deleted_at IS NULL AND (${visibleMeetings(viewer, MEETINGS_TABLE, p)})`,
      p.values,
    );
    return rows[0]?.creator_id ?? null;
  }

  /** Whether the user is a host of the meeting as the write side has it: its creator, or a host present. */
  async isHost(userId: string, meetingId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM meetings m WHERE m.id = $1::uuid AND (m.creator_id = $2::uuid OR EXISTS (
         SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id AND p.user_id = $2::uuid
           AND p.role = 'host' AND p.join_time IS NOT NULL AND p.leave_time IS NULL))`,
      [meetingId, userId],
    );
    return rows.length > 0;
  }

  /** The invitations in force (not revoked), in order of inviting. */
  async invitations(meetingId: string): Promise<Invitation[]> {
    const { rows } = await this.db.query<{ user_id: string; invited_by: string; invited_at: Date }>(
      `SELECT user_id, invited_by, invited_at FROM meeting_invitations
       WHERE meeting_id = $1::uuid AND revoked_at IS NULL ORDER BY invited_at, user_id`,
      [meetingId],
    );
    return rows.map((r) => ({
      userId: r.user_id,
      invitedBy: r.invited_by,
      invitedAt: r.invited_at.toISOString(),
    }));
  }
}
