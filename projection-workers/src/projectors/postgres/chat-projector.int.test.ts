import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import { EventFactory } from '../../testing/event-factory.js';
import { applyInTransaction, snapshotTables } from '../../testing/postgres-projection.js';
import { chatProjector } from './chat-projector.js';

const database = useTestDatabase();

const apply = (events: readonly DecodedEvent[]) => applyInTransaction(database.pool, chatProjector, events);

/** Messages in one meeting's stream, which the chat projector sees only partly (chat only). */
function chat(f: EventFactory) {
  const [meetingId, ann, bob] = [randomUUID(), randomUUID(), randomUUID()];
  const say = (senderId: string, recipientId: string | null, text: string) =>
    f.event(streams.meeting(meetingId), 'ChatMessageSent', {
      meetingId,
      messageId: randomUUID(),
      senderId,
      recipientId,
      text,
    });
  // Versions 1-3 stand for the meeting's other events, which this projector never receives.
  for (let i = 0; i < 3; i++)
    f.event(streams.meeting(meetingId), 'MeetingStarted', { meetingId, startedBy: ann });
  const events = [say(ann, null, 'Hello everyone'), say(bob, ann, 'psst, Ann'), say(ann, null, '')];
  return { meetingId, ann, bob, events };
}

test('reads ChatMessageSent only', () => {
  assert.equal(chatProjector.name, 'chat');
  assert.deepEqual(chatProjector.eventTypes, ['ChatMessageSent']);
});

test('each message is a chat row: text as content, NULL recipient for everyone', async () => {
  const { meetingId, ann, bob, events } = chat(new EventFactory());
  await apply(events);
  const { rows } = await database.pool.query(
    `SELECT id, meeting_id, sender_id, recipient_id, message_type, content, payload, sent_at,
       last_stream_version, created_at
     FROM signaling_messages WHERE meeting_id = $1 ORDER BY sent_at`,
    [meetingId],
  );
  const row = (
    event: (typeof events)[number],
    senderId: string,
    recipientId: string | null,
    text: string,
  ) => ({
    id: event.data.messageId,
    meeting_id: meetingId,
    sender_id: senderId,
    recipient_id: recipientId,
    message_type: 'chat',
    content: text,
    payload: null,
    sent_at: event.occurredAt,
    last_stream_version: String(event.streamVersion),
    created_at: event.occurredAt,
  });
  assert.deepEqual(rows, [
    row(events[0]!, ann, null, 'Hello everyone'),
    row(events[1]!, bob, ann, 'psst, Ann'),
    row(events[2]!, ann, null, ''),
  ]);
  assert.deepEqual(
    rows.map((r) => r.last_stream_version),
    ['4', '5', '6'],
  );
});

test('applying the batch again, or any prefix of it, leaves every row identical', async () => {
  const { events } = chat(new EventFactory());
  await apply(events);
  const once = await snapshotTables(database.pool, ['signaling_messages']);
  await apply(events);
  assert.deepEqual(await snapshotTables(database.pool, ['signaling_messages']), once);
  for (let end = 1; end <= events.length; end++) {
    await apply(events.slice(0, end));
    assert.deepEqual(
      await snapshotTables(database.pool, ['signaling_messages']),
      once,
      `the first ${end} events again`,
    );
  }
});

test('a message delivered twice within one batch is written once, as first delivered', async () => {
  const { meetingId, events } = chat(new EventFactory());
  await apply([events[0]!, events[1]!, events[0]!, events[2]!]);
  const { rows } = await database.pool.query<{ id: string }>(
    'SELECT id FROM signaling_messages WHERE meeting_id = $1 ORDER BY sent_at',
    [meetingId],
  );
  assert.deepEqual(
    rows.map((r) => r.id),
    events.map((e) => e.data.messageId),
  );
});
