import type { SqlStep } from './sql.js';

/**
 * One row per running (started, not soft-deleted) meeting. Counts come from the participant and
 * media rows rather than stored counters, so they cannot drift; `duration_seconds` is measured up
 * to the query's transaction time and clamped at 0 against clock skew between writers and database.
 */
export const activeMeetingsStats: SqlStep = {
  up: `
    CREATE VIEW active_meetings_stats AS
    SELECT
      m.id AS meeting_id,
      m.title,
      m.host_id,
      m.actual_start_at,
      p.current_participants,
      p.muted_participants,
      p.video_on_participants,
      m.is_recording,
      s.active_media_streams,
      greatest(0, floor(extract(epoch FROM now() - m.actual_start_at)))::integer AS duration_seconds
    FROM meetings m
    CROSS JOIN LATERAL (
      SELECT
        count(*)::integer AS current_participants,
        count(*) FILTER (WHERE mp.is_muted)::integer AS muted_participants,
        count(*) FILTER (WHERE mp.is_video_on)::integer AS video_on_participants
      FROM meeting_participants mp
      WHERE mp.meeting_id = m.id AND mp.joined_at IS NOT NULL AND mp.left_at IS NULL
    ) p
    CROSS JOIN LATERAL (
      SELECT count(*)::integer AS active_media_streams
      FROM media_streams ms
      WHERE ms.meeting_id = m.id AND ms.status = 'active'
    ) s
    WHERE m.status = 'started' AND m.deleted_at IS NULL;`,
  down: 'DROP VIEW IF EXISTS active_meetings_stats;',
};
