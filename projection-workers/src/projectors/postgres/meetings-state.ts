import type { ClientBase } from 'pg';
import { RowSet, loadRows, writeRows } from './versioned-rows.js';
import type { TableSpec } from './versioned-rows.js';

/*
 * The rows of meetings, meeting_participants, meeting_rooms and meeting_recordings that one batch of
 * meeting-stream events can change, loaded with one query per table and written back with one
 * upsert per table. Timestamps, jsonb and numbers other than integers stay text (see SqlType).
 */

export interface MeetingRow {
  id: string;
  creator_id: string;
  title: string;
  description: string | null;
  status: string;
  start_time: string;
  end_time: string | null;
  actual_start_at: string | null;
  actual_end_at: string | null;
  max_participants: number;
  is_recording: boolean;
  settings: string;
  access: string;
  lobby: boolean;
  cancel_reason: string | null;
  last_stream_version: number;
  created_at: string;
}

export interface ParticipantRow {
  meeting_id: string;
  user_id: string;
  role: string;
  join_time: string | null;
  leave_time: string | null;
  leave_reason: string | null;
  removed_by: string | null;
  remove_reason: string | null;
  is_muted: boolean;
  is_video_on: boolean;
  last_stream_version: number;
  created_at: string;
}

export interface RoomRow {
  room_id: string;
  meeting_id: string;
  sfu_node_id: string | null;
  status: string;
  current_participants: number;
  opened_at: string;
  closed_at: string | null;
  last_stream_version: number;
  created_at: string;
}

export interface RecordingRow {
  id: string;
  meeting_id: string;
  started_by: string | null;
  stopped_by: string | null;
  status: string;
  started_at: string;
  stopped_at: string | null;
  completed_at: string | null;
  file_path: string | null;
  file_size: string | null;
  duration: number | null;
  format: string | null;
  failure_reason: string | null;
  last_stream_version: number;
  created_at: string;
}

const meetings: TableSpec<MeetingRow> = {
  table: 'meetings',
  key: ['id'],
  insertOnly: ['created_at'],
  columns: {
    id: 'uuid',
    creator_id: 'uuid',
    title: 'text',
    description: 'text',
    status: 'text',
    start_time: 'timestamptz',
    end_time: 'timestamptz',
    actual_start_at: 'timestamptz',
    actual_end_at: 'timestamptz',
    max_participants: 'integer',
    is_recording: 'boolean',
    settings: 'jsonb',
    access: 'text',
    lobby: 'boolean',
    cancel_reason: 'text',
    last_stream_version: 'bigint',
    created_at: 'timestamptz',
  },
};

const participants: TableSpec<ParticipantRow> = {
  table: 'meeting_participants',
  key: ['meeting_id', 'user_id'],
  insertOnly: ['created_at'], // and the bigserial id, which is not projected
  columns: {
    meeting_id: 'uuid',
    user_id: 'uuid',
    role: 'text',
    join_time: 'timestamptz',
    leave_time: 'timestamptz',
    leave_reason: 'text',
    removed_by: 'uuid',
    remove_reason: 'text',
    is_muted: 'boolean',
    is_video_on: 'boolean',
    last_stream_version: 'bigint',
    created_at: 'timestamptz',
  },
};

/** sfu_node_id follows MeetingPlacedOnSfuNode, of the meeting stream like the rest of the row. */
const rooms: TableSpec<RoomRow> = {
  table: 'meeting_rooms',
  key: ['meeting_id'],
  insertOnly: ['room_id', 'created_at'],
  columns: {
    room_id: 'uuid',
    meeting_id: 'uuid',
    sfu_node_id: 'text',
    status: 'text',
    current_participants: 'integer',
    opened_at: 'timestamptz',
    closed_at: 'timestamptz',
    last_stream_version: 'bigint',
    created_at: 'timestamptz',
  },
};

const recordings: TableSpec<RecordingRow> = {
  table: 'meeting_recordings',
  key: ['id'],
  insertOnly: ['created_at'],
  columns: {
    id: 'uuid',
    meeting_id: 'uuid',
    started_by: 'uuid',
    stopped_by: 'uuid',
    status: 'text',
    started_at: 'timestamptz',
    stopped_at: 'timestamptz',
    completed_at: 'timestamptz',
    file_path: 'text',
    file_size: 'bigint',
    duration: 'integer',
    format: 'text',
    failure_reason: 'text',
    last_stream_version: 'bigint',
    created_at: 'timestamptz',
  },
};

export const participantKey = (meetingId: string, userId: string) => `${meetingId}/${userId}`;

/** Present = joined and not left since; the same definition as active_meetings_stats. */
export const isPresent = (p: ParticipantRow) => p.join_time !== null && p.leave_time === null;

/**
 * The meeting's events carry `meetingId`; participant and recording events their own keys too, and
 * MeetingScheduled the creator, whose participant row it writes.
 */
interface Keyed {
  data: { meetingId: string; userId?: string; hostId?: string; recordingId?: string };
}

export class MeetingsState {
  readonly meetings = new RowSet<MeetingRow>((m) => m.id);
  readonly participants = new RowSet<ParticipantRow>(
    (p) => participantKey(p.meeting_id, p.user_id),
    (p) => p.meeting_id,
  );
  readonly rooms = new RowSet<RoomRow>((r) => r.meeting_id);
  readonly recordings = new RowSet<RecordingRow>((r) => r.id);
  /**
   * Per meeting, the present participants and running recordings among the rows NOT held here: the
   * per-event SQL counted over the whole table, and no event of the batch can change those rows.
   */
  private readonly presentElsewhere = new Map<string, number>();
  private readonly recordingElsewhere = new Map<string, number>();

  /** The rows the batch names, with five queries (participants and recordings only when named). */
  static async load(tx: ClientBase, events: readonly Keyed[]): Promise<MeetingsState> {
    const state = new MeetingsState();
    const meetingIds = new Set<string>();
    const users = new Map<string, [string, string]>();
    const recordingIds = new Set<string>();
    for (const { data } of events) {
      meetingIds.add(data.meetingId);
      const userId = data.userId ?? data.hostId;
      if (userId !== undefined) users.set(participantKey(data.meetingId, userId), [data.meetingId, userId]);
      if (data.recordingId !== undefined) recordingIds.add(data.recordingId);
    }
    const ids = [...meetingIds];
    const pairs = [...users.values()];
    for (const row of await loadRows(tx, meetings, 'id = ANY($1::uuid[])', [ids])) state.meetings.add(row);
    for (const row of await loadRows(tx, rooms, 'meeting_id = ANY($1::uuid[])', [ids])) state.rooms.add(row);
    if (pairs.length > 0) {
      const where = '(meeting_id, user_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))';
      const params = [pairs.map(([m]) => m), pairs.map(([, u]) => u)];
      for (const row of await loadRows(tx, participants, where, params)) state.participants.add(row);
    }
    if (recordingIds.size > 0) {
      const loaded = await loadRows(tx, recordings, 'id = ANY($1::uuid[])', [[...recordingIds]]);
      for (const row of loaded) state.recordings.add(row);
    }
    const { rows } = await tx.query<{ id: string; present: number; recording: number }>(
      `SELECT m.id,
         (SELECT count(*)::integer FROM meeting_participants p
          WHERE p.meeting_id = m.id AND p.join_time IS NOT NULL AND p.leave_time IS NULL) AS present,
         (SELECT count(*)::integer FROM meeting_recordings r
          WHERE r.meeting_id = m.id AND r.status = 'recording') AS recording
       FROM unnest($1::uuid[]) AS m(id)`,
      [ids],
    );
    // Counted before any event is folded: the loaded rows still hold what the counts saw.
    for (const { id, present, recording } of rows) {
      state.presentElsewhere.set(id, present - state.presentHeld(id));
      state.recordingElsewhere.set(id, recording - state.recordingHeld(id));
    }
    return state;
  }

  /** `SELECT count(*) ... join_time IS NOT NULL AND leave_time IS NULL` at this point of the batch. */
  present(meetingId: string): number {
    return (this.presentElsewhere.get(meetingId) ?? 0) + this.presentHeld(meetingId);
  }

  /** `EXISTS (SELECT 1 FROM meeting_recordings ... status = 'recording')` at this point of the batch. */
  recording(meetingId: string): boolean {
    return (this.recordingElsewhere.get(meetingId) ?? 0) + this.recordingHeld(meetingId) > 0;
  }

  async write(tx: ClientBase): Promise<void> {
    await writeRows(tx, meetings, this.meetings);
    await writeRows(tx, participants, this.participants);
    await writeRows(tx, rooms, this.rooms);
    await writeRows(tx, recordings, this.recordings);
  }

  /** Among the rows held here (loaded or created by the batch), as they stand now. */
  private presentHeld(meetingId: string): number {
    return this.participants.group(meetingId).filter(isPresent).length;
  }

  /** A recording's meeting_id is rewritten by its RecordingStarted: all rows are looked at. */
  private recordingHeld(meetingId: string): number {
    let n = 0;
    for (const r of this.recordings.values()) if (r.meeting_id === meetingId && r.status === 'recording') n++;
    return n;
  }
}
