import type { DecodedEvent } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';
import { rowSource } from './row-source.js';

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
    const source = await rowSource(
      tx,
      'm',
      [
        ['id', 'uuid'],
        ['meeting', 'uuid'],
        ['sender', 'uuid'],
        ['recipient', 'uuid'],
        ['content', 'text'],
        ['at', 'timestamptz'],
        ['version', 'bigint'],
      ],
      sent.map((e) => [
        e.data.messageId,
        e.data.meetingId,
        e.data.senderId,
        e.data.recipientId,
        e.data.text,
        e.occurredAt.toISOString(),
        e.streamVersion,
      ]),
    );
    await tx.query(
      `INSERT INTO signaling_messages
         (id, meeting_id, sender_id, recipient_id, message_type, content, sent_at, last_stream_version, created_at)
       SELECT m.id, m.meeting, m.sender, m.recipient, 'chat', m.content, m.at, m.version, m.at
       FROM ${source.from}
       ORDER BY m.n
       ON CONFLICT (id) DO NOTHING`,
      source.params,
    );
  },
};
