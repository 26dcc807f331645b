import type { createPool } from '@meetings/db';
import type { UnfinishedRecording, UnfinishedRecordings } from '../../ports/unfinished-recordings.js';

/**
 * meeting_recordings not finalized, with their meeting's node from meeting_rooms (one row per
 * meeting, kept after it closes: a meeting that ended with its recording stopped still names its
 * node). The projection runs behind the log: what it lists is checked against the meeting's
 * stream before anything is decided.
 */
export class PgUnfinishedRecordings implements UnfinishedRecordings {
  constructor(private readonly pool: ReturnType<typeof createPool>) {}

  async of(nodeId: string, unplaced: boolean): Promise<UnfinishedRecording[]> {
    const { rows } = await this.pool.query<{ meeting_id: string; id: string }>(
      `SELECT r.meeting_id, r.id FROM meeting_recordings r
       JOIN meeting_rooms m ON m.meeting_id = r.meeting_id
       WHERE r.status IN ('recording', 'processing')
         AND (m.sfu_node_id = $1 OR ($2 AND m.sfu_node_id IS NULL))
       ORDER BY r.started_at LIMIT 1000`,
      [nodeId, unplaced],
    );
    return rows.map((r) => ({ meetingId: r.meeting_id, recordingId: r.id }));
  }
}
