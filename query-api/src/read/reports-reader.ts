import type { CursorKey } from './cursor.js';
import { page } from './cursor.js';
import type { ActiveMeetingStats, OperationLog } from './models.js';
import type { Queryable } from './rows.js';
import { iso, isoOrNull, num } from './rows.js';
import { and, exactTimestamp, SqlParams } from './sql.js';
import type { Viewer } from './visibility.js';
import { visibleMeetings } from './visibility.js';

interface StatsRow {
  meeting_id: string;
  title: string;
  creator_id: string;
  start_time: Date;
  actual_start_at: Date | null;
  current_participants: number;
  muted_participants: number;
  video_on_participants: number;
  is_recording: boolean;
  active_media_streams: number;
  duration_seconds: number | null;
}

interface OperationLogRow {
  id: string;
  event_id: string;
  user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown>;
  correlation_id: string | null;
  created_at: Date;
  sort_at: string;
}

export interface OperationLogFilters {
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  actorUserId?: string | undefined;
  limit: number;
  cursor?: CursorKey | undefined;
}

/** Reports across meetings: live statistics, and the audit trail (admins only — the route checks). */
export class ReportsReader {
  constructor(private readonly db: Queryable) {}

  /** The active_meetings_stats view, of the meetings the viewer may see, longest running first. */
  async activeMeetings(viewer: Viewer): Promise<ActiveMeetingStats[]> {
    const p = new SqlParams();
    const { rows } = await this.db.query<StatsRow>(
      `SELECT s.* FROM active_meetings_stats s
       WHERE ${visibleMeetings(viewer, { id: 's.meeting_id', hostId: 's.creator_id' }, p)}
       ORDER BY s.actual_start_at NULLS LAST, s.meeting_id`,
      p.values,
    );
    return rows.map((r) => ({
      meetingId: r.meeting_id,
      title: r.title,
      hostId: r.creator_id,
      actualStartAt: isoOrNull(r.actual_start_at),
      currentParticipants: r.current_participants,
      mutedParticipants: r.muted_participants,
      videoOnParticipants: r.video_on_participants,
      isRecording: r.is_recording,
      activeMediaStreams: r.active_media_streams,
      durationSeconds: r.duration_seconds,
    }));
  }

  /** operation_logs ordered by (created_at, id), a page after the cursor's key. */
  async operationLogs(filters: OperationLogFilters) {
    const p = new SqlParams();
    const where: string[] = [];
    if (filters.resourceType) where.push(`o.resource_type = ${p.add(filters.resourceType)}`);
    if (filters.resourceId) where.push(`o.resource_id = ${p.add(filters.resourceId)}`);
    if (filters.actorUserId) where.push(`o.user_id = ${p.add(filters.actorUserId)}::uuid`);
    if (filters.cursor) {
      where.push(
        `(o.created_at, o.id) > (${p.add(filters.cursor.t)}::timestamptz, ${p.add(filters.cursor.i)}::bigint)`,
      );
    }
    const { rows } = await this.db.query<OperationLogRow>(
      `SELECT o.id, o.event_id, o.user_id, o.action, o.resource_type, o.resource_id, o.details,
         o.correlation_id, o.created_at, ${exactTimestamp('o.created_at')} AS sort_at
       FROM operation_logs o WHERE ${and(where)}
       ORDER BY o.created_at, o.id LIMIT ${p.add(filters.limit + 1)}`,
      p.values,
    );
    return page(
      rows,
      filters.limit,
      'operation-logs',
      (r) => ({ t: r.sort_at, i: r.id }),
      (r): OperationLog => ({
        id: num(r.id),
        eventId: r.event_id,
        actorUserId: r.user_id,
        action: r.action,
        resourceType: r.resource_type,
        resourceId: r.resource_id,
        details: r.details,
        correlationId: r.correlation_id,
        occurredAt: iso(r.created_at),
      }),
    );
  }
}
