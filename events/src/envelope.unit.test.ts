import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCheckpoints, formatCheckpoint, parseCheckpoint, START } from './envelope.js';
import { parseEvent } from './registry.js';
import { streamCategory, streams } from './streams.js';

test('checkpoints order by transaction id first, then position, and round-trip as text', () => {
  const a = { transactionId: 7, globalPosition: 90 };
  const b = { transactionId: 8, globalPosition: 12 };
  assert.ok(compareCheckpoints(a, b) < 0, 'an earlier transaction comes first even with a higher position');
  assert.ok(compareCheckpoints(START, a) < 0);
  assert.equal(compareCheckpoints(a, { ...a }), 0);
  assert.deepEqual(parseCheckpoint(formatCheckpoint(b)), b);
  assert.throws(() => parseCheckpoint('12'), TypeError);
});

test('parseEvent validates data against the current schema', () => {
  const id = '00000000-0000-4000-8000-000000000001';
  assert.deepEqual(parseEvent('MeetingStarted', { meetingId: id, startedBy: id }), {
    type: 'MeetingStarted',
    data: { meetingId: id, startedBy: id },
  });
  assert.throws(() => parseEvent('MeetingStarted', { meetingId: id }), /startedBy/);
});

test('stream names carry their category; reservations are case-insensitive', () => {
  assert.equal(streamCategory(streams.meeting('abc-def')), 'meeting');
  assert.equal(streams.username('Alice'), streams.username('alice'));
  assert.equal(streams.email('A@Example.com'), 'email-a@example.com');
});
