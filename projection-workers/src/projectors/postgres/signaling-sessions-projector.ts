import { defineProjector } from './define-projector.js';

/**
 * signaling_sessions from `signaling-<nodeId>` streams: a row per WebSocket subscription, connected
 * when opened, disconnected (with the time and why) when closed by its node or by the sweeper of a
 * surviving node. Both events of a session are in its node's stream, so that stream's version
 * orders them.
 */
export const signalingSessionsProjector = defineProjector('signaling-sessions', {
  SignalingSessionOpened: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `INSERT INTO signaling_sessions
         (session_id, meeting_id, user_id, node_id, status, connected_at, last_stream_version)
       VALUES ($1, $2, $3, $4, 'connected', $5, $6)
       ON CONFLICT (session_id) DO NOTHING`,
      [data.sessionId, data.meetingId, data.userId, data.nodeId, occurredAt, streamVersion],
    ),
  SignalingSessionClosed: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `UPDATE signaling_sessions
       SET status = 'disconnected', disconnected_at = $2, disconnect_reason = $3, last_stream_version = $4
       WHERE session_id = $1 AND last_stream_version < $4`,
      [data.sessionId, occurredAt, data.reason, streamVersion],
    ),
});
