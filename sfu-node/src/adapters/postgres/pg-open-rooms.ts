import type { createPool } from '@meetings/db';
import type { OpenRoom, OpenRooms } from '../../ports/open-rooms.js';

/**
 * meeting_rooms' open rows. The projection runs a few milliseconds behind the log, which placement
 * can afford: a meeting started a moment ago is placed on the next pass, and a decision taken on a
 * stale row is checked again by the meeting's decider when it is appended.
 */
export class PgOpenRooms implements OpenRooms {
  constructor(private readonly pool: ReturnType<typeof createPool>) {}

  async list(): Promise<OpenRoom[]> {
    const { rows } = await this.pool.query<{ meeting_id: string; sfu_node_id: string | null }>(
      `SELECT meeting_id, sfu_node_id FROM meeting_rooms WHERE status = 'open' ORDER BY opened_at, meeting_id`,
    );
    return rows.map((r) => ({ meetingId: r.meeting_id, sfuNodeId: r.sfu_node_id }));
  }
}
