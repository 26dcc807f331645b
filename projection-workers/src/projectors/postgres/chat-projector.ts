import type { DecodedEvent } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';
import { insertNewRows } from './row-source.js';

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
    await insertNewRows(
      tx,
      'signaling_messages',
      'id',
      [
        ['id', 'uuid'],
        ['meeting_id', 'uuid'],
        ['sender_id', 'uuid'],
        ['recipient_id', 'uuid'],
        ['message_type', 'text'],
        ['content', 'text'],
        ['sent_at', 'timestamptz'],
        ['last_stream_version', 'bigint'],
        ['created_at', 'timestamptz'],
      ],
      sent.map((e) => {
        const at = e.occurredAt.toISOString();
        return [
          e.data.messageId,
          e.data.meetingId,
          e.data.senderId,
          e.data.recipientId,
          'chat',
          e.data.text,
          at,
          e.streamVersion,
          at,
        ];
      }),
    );
  },
};
