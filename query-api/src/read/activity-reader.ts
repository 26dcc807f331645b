import type { CursorKey } from './cursor.js';
import { page } from './cursor.js';
import type { ChatMessage, MediaStream, Recording } from './models.js';
import type { Queryable } from './rows.js';
import { iso, isoOrNull, numOrNull } from './rows.js';
import { and, exactTimestamp, SqlParams } from './sql.js';
import type { Viewer } from './visibility.js';
import { visibleChat } from './visibility.js';

interface RecordingRow {
  id: string;
  meeting_id: string;
  status: 'recording' | 'processing' | 'completed' | 'failed';
  started_by: string | null;
  stopped_by: string | null;
  started_at: Date;
  stopped_at: Date | null;
  completed_at: Date | null;
  file_path: string | null;
  file_size: string | null;
  duration: number | null;
  format: string | null;
  failure_reason: string | null;
}

interface MediaStreamRow {
  id: string;
  meeting_id: string;
  user_id: string;
  stream_type: MediaStream['kind'];
  sfu_node_id: string;
  producer_id: string;
  codec: string;
  status: MediaStream['status'];
  close_reason: string | null;
  published_at: Date;
  closed_at: Date | null;
  bitrate: number | null;
  packet_loss_percent: number | null;
  jitter_ms: number | null;
  rtt_ms: number | null;
  last_sampled_at: Date | null;
}

interface ChatRow {
  id: string;
  meeting_id: string;
  sender_id: string;
  recipient_id: string | null;
  content: string;
  sent_at: Date;
  sort_at: string;
}

export interface ChatFilters {
  limit: number;
  cursor?: CursorKey | undefined;
}

/**
 * What happened in one meeting: recordings, media streams, chat. The caller has checked that the
 * viewer may see the meeting; chat adds the per-message rule for private messages.
 */
export class ActivityReader {
  constructor(private readonly db: Queryable) {}

  async recordings(meetingId: string): Promise<Recording[]> {
    const { rows } = await this.db.query<RecordingRow>(
      `SELECT id, meeting_id, status, started_by, stopped_by, started_at, stopped_at, completed_at, file_path,
         file_size, duration, format, failure_reason
       FROM meeting_recordings WHERE meeting_id = $1 AND deleted_at IS NULL ORDER BY started_at, id`,
      [meetingId],
    );
    return rows.map((r) => ({
      id: r.id,
      meetingId: r.meeting_id,
      // The table says `processing` as the seed does; the HTTP contract keeps its `stopped`.
      status: r.status,
      startedBy: r.started_by,
      stoppedBy: r.stopped_by,
      startedAt: iso(r.started_at),
      stoppedAt: isoOrNull(r.stopped_at),
      completedAt: isoOrNull(r.completed_at),
      storageKey: r.file_path,
      sizeBytes: numOrNull(r.file_size),
      durationSeconds: r.duration,
      format: r.format,
      failureReason: r.failure_reason,
    }));
  }

  async mediaStreams(meetingId: string, status?: MediaStream['status']): Promise<MediaStream[]> {
    const p = new SqlParams();
    const where = [`meeting_id = ${p.add(meetingId)}::uuid`];
    if (status) where.push(`status = ${p.add(status)}`);
    const { rows } = await this.db.query<MediaStreamRow>(
      `SELECT id, meeting_id, user_id, stream_type, sfu_node_id, producer_id, codec, status, close_reason,
         published_at, closed_at, bitrate, packet_loss_percent, jitter_ms, rtt_ms, last_sampled_at
       FROM media_streams WHERE ${and(where)} ORDER BY published_at, id`,
      p.values,
    );
    return rows.map((r) => ({
      id: r.id,
      meetingId: r.meeting_id,
      userId: r.user_id,
      kind: r.stream_type,
      sfuNodeId: r.sfu_node_id,
      producerId: r.producer_id,
      codec: r.codec,
      status: r.status,
      closeReason: r.close_reason,
      publishedAt: iso(r.published_at),
      closedAt: isoOrNull(r.closed_at),
      bitrateKbps: r.bitrate,
      packetLossPercent: r.packet_loss_percent,
      jitterMs: r.jitter_ms,
      rttMs: r.rtt_ms,
      lastSampledAt: isoOrNull(r.last_sampled_at),
    }));
  }

  /** Chat messages in order of sending (sent_at, id), a page after the cursor's key. */
  async chat(viewer: Viewer, meetingId: string, filters: ChatFilters) {
    const p = new SqlParams();
    const where = [
      `s.meeting_id = ${p.add(meetingId)}::uuid`,
      `s.message_type = 'chat'`,
      visibleChat(viewer, 's', p),
    ];
    if (filters.cursor) {
      where.push(
        `(s.sent_at, s.id) > (${p.add(filters.cursor.t)}::timestamptz, ${p.add(filters.cursor.i)}::uuid)`,
      );
    }
    const { rows } = await this.db.query<ChatRow>(
      `SELECT s.id, s.meeting_id, s.sender_id, s.recipient_id, s.content, s.sent_at,
         ${exactTimestamp('s.sent_at')} AS sort_at
       FROM signaling_messages s WHERE ${and(where)}
       ORDER BY s.sent_at, s.id LIMIT ${p.add(filters.limit + 1)}`,
      p.values,
    );
    return page(
      rows,
      filters.limit,
      'chat',
      (r) => ({ t: r.sort_at, i: r.id }),
      (r): ChatMessage => ({
        id: r.id,
        meetingId: r.meeting_id,
        senderId: r.sender_id,
        recipientId: r.recipient_id,
        isPrivate: r.recipient_id !== null,
        text: r.content,
        sentAt: iso(r.sent_at),
      }),
    );
  }
}
