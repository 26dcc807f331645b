import { streamVersion, timestamps, touchUpdatedAt } from './sql.js';
import type { SqlStep } from './sql.js';

/** A participant's WebRTC signalling connection to an SFU node; a reconnect is a new session. */
export const signalingSessions: SqlStep = {
  up: `
    CREATE TABLE signaling_sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      sfu_node_id text,
      send_transport_id text,
      recv_transport_id text,
      connection_state text NOT NULL DEFAULT 'new'
        CHECK (connection_state IN ('new', 'connecting', 'connected', 'disconnected', 'failed', 'closed')),
      connected_at timestamptz,
      disconnected_at timestamptz,
      disconnect_reason text,${streamVersion},${timestamps}
    );
    CREATE INDEX signaling_sessions_meeting_user_idx ON signaling_sessions (meeting_id, user_id);
    CREATE INDEX signaling_sessions_user_id_idx ON signaling_sessions (user_id);
    CREATE INDEX signaling_sessions_live_sfu_node_idx ON signaling_sessions (sfu_node_id)
      WHERE disconnected_at IS NULL;
    ${touchUpdatedAt('signaling_sessions')}`,
  down: 'DROP TABLE IF EXISTS signaling_sessions;',
};

/**
 * Chat (ChatMessageSent, id = messageId, text in `content`) and relayed signalling messages (SDP in
 * `content`, structured data such as ICE candidates in `payload`). recipient_id NULL = everyone.
 */
export const signalingMessages: SqlStep = {
  up: `
    CREATE TABLE signaling_messages (
      id uuid PRIMARY KEY,
      meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
      -- CASCADE for both: a message is its author's data, and SET NULL on the recipient would
      -- silently turn a private message into one addressed to everyone.
      sender_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      recipient_id uuid REFERENCES users (id) ON DELETE CASCADE,
      message_type text NOT NULL
        CHECK (message_type IN ('chat', 'offer', 'answer', 'ice_candidate', 'renegotiate')),
      content text,
      payload jsonb,
      sent_at timestamptz NOT NULL,${streamVersion},${timestamps},
      CONSTRAINT signaling_messages_body_check CHECK (content IS NOT NULL OR payload IS NOT NULL),
      CONSTRAINT signaling_messages_chat_check CHECK (message_type <> 'chat' OR content IS NOT NULL)
    );
    CREATE INDEX signaling_messages_meeting_sent_at_idx ON signaling_messages (meeting_id, sent_at);
    CREATE INDEX signaling_messages_sender_id_idx ON signaling_messages (sender_id);
    CREATE INDEX signaling_messages_recipient_id_idx ON signaling_messages (recipient_id)
      WHERE recipient_id IS NOT NULL;
    ${touchUpdatedAt('signaling_messages')}`,
  down: 'DROP TABLE IF EXISTS signaling_messages;',
};
