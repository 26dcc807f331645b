import type { createPool } from '@meetings/db';
import type { OpenRoom, OpenRooms } from '../../ports/open-rooms.js';

/**
 * meeting_rooms' open rows (meeting_rooms_open_sfu_node_idx covers both reads). The projection runs
 * a few milliseconds behind the log, which placement can afford: a meeting started a moment ago is
 * placed on the next pass, and a decision taken on a stale row is checked again by the meeting's
 * decider when it is appended.
 */
export class PgOpenRooms implements OpenRooms {
  constructor(private readonly pool: ReturnType<typeof createPool>) {}

  async unplaced(liveNodeIds: readonly string[]): Promise<OpenRoom[]> {
    const { rows } = await this.pool.query<{ meeting_id: string; sfu_node_id: string | null }>(
      `SELECT meeting_id, sfu_node_id FROM meeting_rooms
       WHERE status = 'open' AND (sfu_node_id IS NULL OR sfu_node_id <> ALL($1::text[]))
       ORDER BY opened_at, meeting_id`,
      [liveNodeIds],
    );
    return rows.map((r) => ({ meetingId: r.meeting_id, sfuNodeId: r.sfu_node_id }));
  }

  async countsByNode(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ sfu_node_id: string; rooms: number }>(
      `SELECT sfu_node_id, count(*)::int AS rooms FROM meeting_rooms
       WHERE status = 'open' AND sfu_node_id IS NOT NULL GROUP BY sfu_node_id`,
    );
    return new Map(rows.map((r) => [r.sfu_node_id, r.rooms]));
  }
}
