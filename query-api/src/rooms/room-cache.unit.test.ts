import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientMessage } from '../ws/messages.js';
import { parseRoom, parseRoomChange, roomChannel } from './room-cache.js';
import { roomFor, seesLobby } from './room-view.js';

const meetingId = '0b6f1c3e-4d2a-4f7e-9a1b-2c3d4e5f6a7b';
const [a, b] = ['aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'];

test('a room hash becomes a room with participants in join order', () => {
  const room = parseRoom({
    meeting_id: meetingId,
    status: 'active',
    created_at: String(Date.parse('2030-01-07T09:00:00.000Z') / 1000),
    // The seed's list gives the order; the state is keyed by id.
    participants: JSON.stringify([a, b]),
    participant_state: JSON.stringify({
      [b]: { role: 'participant', isMuted: true, isVideoOn: false, joinedAt: '2030-01-07T09:02:00.000Z' },
      [a]: { role: 'host', isMuted: false, isVideoOn: true, joinedAt: '2030-01-07T09:01:00.000Z' },
    }),
    participant_count: '2',
    lobby: JSON.stringify({
      [b]: { waitingSince: '2030-01-07T09:04:00.000Z' },
      [a]: { waitingSince: '2030-01-07T09:03:00.000Z' },
    }),
    settings: JSON.stringify({ access: 'open', lobby: true }),
    is_recording: '1',
    recording_id: a,
    version: '7',
    updated_at: String(Date.parse('2030-01-07T09:02:00.000Z') / 1000),
  });
  assert.deepEqual(room, {
    meetingId,
    status: 'live',
    participants: [
      { userId: a, role: 'host', isMuted: false, isVideoOn: true, joinedAt: '2030-01-07T09:01:00.000Z' },
      {
        userId: b,
        role: 'participant',
        isMuted: true,
        isVideoOn: false,
        joinedAt: '2030-01-07T09:02:00.000Z',
      },
    ],
    participantCount: 2,
    lobby: [
      { userId: a, waitingSince: '2030-01-07T09:03:00.000Z' },
      { userId: b, waitingSince: '2030-01-07T09:04:00.000Z' },
    ],
    settings: { access: 'open', lobby: true },
    isRecording: true,
    recordingId: a,
    version: 7,
    createdAt: '2030-01-07T09:00:00.000Z',
    updatedAt: '2030-01-07T09:02:00.000Z',
  });
});

test('the lobby is for hosts (the creator, a host present) and admins; others get none', () => {
  const room = parseRoom({
    meeting_id: meetingId,
    status: 'active',
    participants: JSON.stringify([b]),
    participant_state: JSON.stringify({ [b]: { role: 'host', joinedAt: '2030-01-07T09:01:00.000Z' } }),
    lobby: JSON.stringify({ [a]: { waitingSince: '2030-01-07T09:03:00.000Z' } }),
    version: '3',
  });
  const creator = '11111111-1111-4111-8111-111111111111';
  const lobby = [{ userId: a, waitingSince: '2030-01-07T09:03:00.000Z' }];
  assert.deepEqual(roomFor({ userId: creator, isAdmin: false }, creator, room)?.lobby, lobby);
  assert.deepEqual(roomFor({ userId: b, isAdmin: false }, creator, room)?.lobby, lobby);
  assert.deepEqual(roomFor({ userId: a, isAdmin: true }, creator, room)?.lobby, lobby);
  assert.equal(roomFor({ userId: a, isAdmin: false }, creator, room)?.lobby, null);
  assert.equal(seesLobby({ userId: a, isAdmin: false }, creator, room), false);
  assert.equal(roomFor({ userId: a, isAdmin: false }, creator, null), null);
});

test('no hash is no room; an empty participants list is nobody', () => {
  assert.equal(parseRoom({}), null);
  assert.equal(parseRoom(null), null);
  for (const participant_state of ['{}', '[]']) {
    const room = parseRoom({
      meeting_id: meetingId,
      status: 'waiting',
      participants: '[]',
      participant_state,
      version: '1',
    });
    assert.deepEqual(room?.participants, []);
    assert.equal(room?.recordingId, null);
  }
});

test('room-change messages are parsed, foreign ones ignored', () => {
  assert.deepEqual(
    parseRoomChange(JSON.stringify({ meetingId, version: 3, type: 'MeetingEnded', room: null })),
    {
      meetingId,
      version: 3,
      type: 'MeetingEnded',
      room: null,
    },
  );
  assert.equal(parseRoomChange('hello'), null);
  assert.equal(parseRoomChange('{"meetingId":1}'), null);
  assert.equal(roomChannel('p:', meetingId), `p:room-changes:${meetingId}`);
});

test('client messages: valid ones parsed, anything else explained', () => {
  assert.deepEqual(parseClientMessage(JSON.stringify({ type: 'subscribe', meetingId })), {
    type: 'subscribe',
    meetingId,
  });
  for (const raw of ['', 'nope', '[]', 'null', '{"type":"dance"}', '{"type":"subscribe","meetingId":"x"}']) {
    const parsed = parseClientMessage(raw);
    assert.ok('invalid' in parsed && parsed.invalid.length > 0, raw);
  }
  const extra = parseClientMessage(JSON.stringify({ type: 'ping', extra: 1 }));
  assert.ok('invalid' in extra);
});
