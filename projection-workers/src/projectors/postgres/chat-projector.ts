import { defineProjector } from './define-projector.js';

/**
 * Chat messages into signaling_messages (id = messageId; recipient NULL = everyone). A message is
 * written once and never changes, so its id alone makes a second write a no-op.
 */
export const chatProjector = defineProjector('chat', {
  ChatMessageSent: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `INSERT INTO signaling_messages
         (id, meeting_id, sender_id, recipient_id, message_type, content, sent_at, last_stream_version, created_at)
       VALUES ($1, $2, $3, $4, 'chat', $5, $6, $7, $6)
       ON CONFLICT (id) DO NOTHING`,
      [data.messageId, data.meetingId, data.senderId, data.recipientId, data.text, occurredAt, streamVersion],
    ),
});
