import type { DecodedEvent } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';

type ChatMessageSent = Extract<DecodedEvent, { type: 'ChatMessageSent' }>;

/**
 * Chat messages into signaling_messages (id = messageId; recipient NULL = everyone). A message is
 * written once and never changes, so its id alone makes a second write a no-op; a batch is one
 * insert, in log order.
 */
export const chatProjector: Projector<ClientBase> = {
  name: 'chat',
  eventTypes: ['ChatMessageSent'],
  async apply(tx, events) {
    const sent = events.filter((e): e is ChatMessageSent => e.type === 'ChatMessageSent');
    if (sent.length === 0) return;
    const column = <T>(pick: (e: ChatMessageSent) => T) => sent.map(pick);
    await tx.query(
      `INSERT INTO signaling_messages
         (id, meeting_id, sender_id, recipient_id, message_type, content, sent_at, last_stream_version, created_at)
       SELECT m.id, m.meeting, m.sender, m.recipient, 'chat', m.content, m.at, m.version, m.at
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[], $7::bigint[])
         WITH ORDINALITY AS m(id, meeting, sender, recipient, content, at, version, n)
       ORDER BY m.n
       ON CONFLICT (id) DO NOTHING`,
      [
        column((e) => e.data.messageId),
        column((e) => e.data.meetingId),
        column((e) => e.data.senderId),
        column((e) => e.data.recipientId),
        column((e) => e.data.text),
        column((e) => e.occurredAt.toISOString()),
        column((e) => e.streamVersion),
      ],
    );
  },
};
