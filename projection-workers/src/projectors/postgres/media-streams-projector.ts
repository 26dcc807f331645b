import { defineProjector } from './define-projector.js';

/**
 * media_streams (id = mediaStreamId) from `media-<meetingId>` streams, published by SFU nodes.
 * `last_stream_version` is the media stream's version, so a redelivered sample cannot overwrite a
 * newer one. meeting_rooms.sfu_node_id is left alone: that row follows the meeting stream and
 * belongs to the meetings projector, which may not have written it yet.
 */
export const mediaStreamsProjector = defineProjector('media-streams', {
  MediaStreamPublished: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `INSERT INTO media_streams AS s (id, meeting_id, user_id, kind, sfu_node_id, producer_id, codec, status,
         published_at, last_stream_version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $8)
       ON CONFLICT (id) DO UPDATE SET
         meeting_id = EXCLUDED.meeting_id,
         user_id = EXCLUDED.user_id,
         kind = EXCLUDED.kind,
         sfu_node_id = EXCLUDED.sfu_node_id,
         producer_id = EXCLUDED.producer_id,
         codec = EXCLUDED.codec,
         status = EXCLUDED.status,
         published_at = EXCLUDED.published_at,
         last_stream_version = EXCLUDED.last_stream_version
       WHERE s.last_stream_version < EXCLUDED.last_stream_version`,
      [
        data.mediaStreamId,
        data.meetingId,
        data.userId,
        data.kind,
        data.sfuNodeId,
        data.producerId,
        data.codec,
        occurredAt,
        streamVersion,
      ],
    ),

  MediaStreamClosed: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `UPDATE media_streams SET status = 'closed', close_reason = $3, closed_at = $4, last_stream_version = $2
       WHERE id = $1 AND last_stream_version < $2`,
      [data.mediaStreamId, streamVersion, data.reason, occurredAt],
    ),

  /** The quality columns hold the latest sample; `last_sampled_at` is the SFU's time of measuring. */
  MediaStreamQualitySampled: (tx, { data, streamVersion }) =>
    tx.query(
      `UPDATE media_streams SET
         bitrate_kbps = $3, packet_loss_percent = $4, jitter_ms = $5, rtt_ms = $6, last_sampled_at = $7,
         last_stream_version = $2
       WHERE id = $1 AND last_stream_version < $2`,
      [
        data.mediaStreamId,
        streamVersion,
        data.bitrateKbps,
        data.packetLossPercent,
        data.jitterMs,
        data.rttMs,
        data.sampledAt,
      ],
    ),
});
