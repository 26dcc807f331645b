import { defineBatchProjector } from './define-projector.js';
import { RowsById, timestamp } from './versioned-rows.js';
import type { TableSpec } from './versioned-rows.js';

interface MediaStreamRow {
  id: string;
  meeting_id: string;
  user_id: string;
  stream_type: string;
  sfu_node_id: string;
  producer_id: string;
  codec: string;
  status: string;
  close_reason: string | null;
  published_at: string;
  closed_at: string | null;
  bitrate: string | null;
  packet_loss_percent: string | null;
  jitter_ms: string | null;
  rtt_ms: string | null;
  last_sampled_at: string | null;
  last_stream_version: number;
  created_at: string;
}

const mediaStreams: TableSpec<MediaStreamRow> = {
  table: 'media_streams',
  key: ['id'],
  insertOnly: ['created_at'],
  columns: {
    id: 'uuid',
    meeting_id: 'uuid',
    user_id: 'uuid',
    stream_type: 'text',
    sfu_node_id: 'text',
    producer_id: 'text',
    codec: 'text',
    status: 'text',
    close_reason: 'text',
    published_at: 'timestamptz',
    closed_at: 'timestamptz',
    bitrate: 'double precision',
    packet_loss_percent: 'double precision',
    jitter_ms: 'double precision',
    rtt_ms: 'double precision',
    last_sampled_at: 'timestamptz',
    last_stream_version: 'bigint',
    created_at: 'timestamptz',
  },
};

/** A number as PostgreSQL would have parsed it from a parameter (node-postgres sends `toString()`). */
const float = (n: number | null) => (n === null ? null : String(n));

/**
 * media_streams (id = mediaStreamId) from `media-<meetingId>` streams, published by SFU nodes.
 * `last_stream_version` is the media stream's version, so a redelivered sample cannot overwrite a
 * newer one. A batch is folded in memory (see versioned-rows.ts): the many quality samples of a
 * stream become one write of its row. meeting_rooms.sfu_node_id is left alone: that row follows the
 * meeting stream and belongs to the meetings projector, which may not have written it yet.
 */
export const mediaStreamsProjector = defineBatchProjector(
  'media-streams',
  (tx, events) =>
    RowsById.load(
      tx,
      mediaStreams,
      events.map((e) => e.data.mediaStreamId),
    ),
  {
    MediaStreamPublished: (state, { data, streamVersion, occurredAt }) => {
      const publishedAt = timestamp(occurredAt);
      state.rows.upsert(
        data.mediaStreamId,
        streamVersion,
        () => ({
          id: data.mediaStreamId,
          meeting_id: data.meetingId,
          user_id: data.userId,
          stream_type: data.kind,
          sfu_node_id: data.sfuNodeId,
          producer_id: data.producerId,
          codec: data.codec,
          status: 'active',
          close_reason: null,
          published_at: publishedAt,
          closed_at: null,
          bitrate: null,
          packet_loss_percent: null,
          jitter_ms: null,
          rtt_ms: null,
          last_sampled_at: null,
          last_stream_version: streamVersion,
          created_at: publishedAt,
        }),
        // Only these columns, as before: samples stay (and a close stays, which media_streams_closed_check refuses).
        (s) => {
          s.meeting_id = data.meetingId;
          s.user_id = data.userId;
          s.stream_type = data.kind;
          s.sfu_node_id = data.sfuNodeId;
          s.producer_id = data.producerId;
          s.codec = data.codec;
          s.status = 'active';
          s.published_at = publishedAt;
        },
      );
    },

    MediaStreamClosed: (state, { data, streamVersion, occurredAt }) =>
      state.rows.update(data.mediaStreamId, streamVersion, (s) => {
        s.status = 'closed';
        s.close_reason = data.reason;
        s.closed_at = timestamp(occurredAt);
      }),

    /** The quality columns hold the latest sample; `last_sampled_at` is the SFU's time of measuring. */
    MediaStreamQualitySampled: (state, { data, streamVersion }) =>
      state.rows.update(data.mediaStreamId, streamVersion, (s) => {
        s.bitrate = float(data.bitrateKbps);
        s.packet_loss_percent = float(data.packetLossPercent);
        s.jitter_ms = float(data.jitterMs);
        s.rtt_ms = float(data.rttMs);
        s.last_sampled_at = data.sampledAt;
      }),
  },
);
