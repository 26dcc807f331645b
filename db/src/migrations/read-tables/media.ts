import { streamVersion, timestamps, touchUpdatedAt } from './sql.js';
import type { SqlStep } from './sql.js';

/**
 * Projected from `media-<meetingId>` streams (published by SFU nodes); id = mediaStreamId. The
 * quality columns hold the last sample only — history belongs in a metrics store, not here.
 */
export const mediaStreams: SqlStep = {
  up: `
    CREATE TABLE media_streams (
      id uuid PRIMARY KEY,
      meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
      -- CASCADE: a published stream is the user's own data.
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('audio', 'video', 'screen')),
      sfu_node_id text NOT NULL,
      producer_id text NOT NULL,
      codec text NOT NULL,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
      close_reason text
        CHECK (close_reason IN ('unpublished', 'participant_left', 'meeting_ended', 'sfu_failure')),
      published_at timestamptz NOT NULL,
      closed_at timestamptz,
      bitrate_kbps double precision CHECK (bitrate_kbps >= 0),
      packet_loss_percent double precision CHECK (packet_loss_percent BETWEEN 0 AND 100),
      jitter_ms double precision CHECK (jitter_ms >= 0),
      rtt_ms double precision CHECK (rtt_ms >= 0),
      last_sampled_at timestamptz,${streamVersion},${timestamps},
      CONSTRAINT media_streams_closed_check CHECK (
        (status = 'active' AND closed_at IS NULL AND close_reason IS NULL)
        OR (status = 'closed' AND closed_at IS NOT NULL AND close_reason IS NOT NULL))
    );
    CREATE INDEX media_streams_meeting_status_idx ON media_streams (meeting_id, status);
    CREATE INDEX media_streams_user_id_idx ON media_streams (user_id);
    -- When an SFU node dies, find the streams it was carrying.
    CREATE INDEX media_streams_active_sfu_node_idx ON media_streams (sfu_node_id) WHERE status = 'active';
    ${touchUpdatedAt('media_streams')}`,
  down: 'DROP TABLE IF EXISTS media_streams;',
};
