import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoom } from './room.js';
import { admit, pausedByMeeting, verdictFor } from './rules.js';

const M = '6f1c1f0e-2b3a-4c5d-8e9f-0a1b2c3d4e5f';

/** A room cache hash as HGETALL returns it (the projector's layout). */
function hash(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    meeting_id: M,
    status: 'active',
    participants: JSON.stringify(['host', 'guest']),
    participant_state: JSON.stringify({
      host: { role: 'host', isMuted: false, isVideoOn: true, joinedAt: '2030-01-07T09:00:00.000Z' },
      guest: { role: 'participant', isMuted: true, isVideoOn: false, joinedAt: '2030-01-07T09:00:01.000Z' },
    }),
    lobby: JSON.stringify({ waiter: { waitingSince: '2030-01-07T09:00:02.000Z' } }),
    version: '7',
    ...overrides,
  };
}

test('room cache: parsed as presence with mute and video state', () => {
  const room = parseRoom(hash())!;
  assert.equal(room.meetingId, M);
  assert.equal(room.started, true);
  assert.equal(room.version, 7);
  assert.deepEqual([...room.participants.keys()], ['host', 'guest']);
  assert.deepEqual(room.participants.get('guest'), { role: 'participant', isMuted: true, isVideoOn: false });
  assert.equal(parseRoom({}), null);
  assert.equal(parseRoom(null), null);
  // A corrupt field reads as nobody present rather than failing.
  assert.equal(parseRoom(hash({ participants: '{oops' }))!.participants.size, 0);
  // Lua's cjson writes an empty object as [].
  assert.equal(parseRoom(hash({ participant_state: '[]' }))!.participants.get('host')!.isMuted, false);
});

test('admission: only a present participant of a started meeting', () => {
  assert.equal(admit(parseRoom(hash()), 'host').admitted, true);
  assert.deepEqual(admit(parseRoom(hash({ status: 'waiting' })), 'host'), {
    admitted: false,
    code: 'meeting-not-started',
    message: 'the meeting is not running',
  });
  // No room: never started, ended, or no such meeting.
  assert.equal((admit(null, 'host') as { code: string }).code, 'meeting-not-started');
  // A lobby waiter, a stranger, and someone removed or banned (gone from participants).
  for (const userId of ['waiter', 'stranger']) {
    assert.equal((admit(parseRoom(hash()), userId) as { code: string }).code, 'not-a-participant');
  }
  const removed = parseRoom(hash({ participants: JSON.stringify(['host']) }));
  assert.equal((admit(removed, 'guest') as { code: string }).code, 'not-a-participant');
});

test('enforcement: mute pauses the microphone, video off the camera, nothing the screen', () => {
  const on = { role: 'participant' as const, isMuted: false, isVideoOn: true };
  const off = { role: 'participant' as const, isMuted: true, isVideoOn: false };
  assert.deepEqual(
    (['mic', 'camera', 'screen'] as const).map((s) => [pausedByMeeting(s, on), pausedByMeeting(s, off)]),
    [
      [false, true],
      [false, true],
      [false, false],
    ],
  );
});

test('enforcement: a change keeps, disconnects or ends', () => {
  assert.equal(verdictFor(parseRoom(hash()), 'guest').kind, 'keep');
  assert.deepEqual(verdictFor(parseRoom(hash({ participants: '["host"]' })), 'guest'), {
    kind: 'disconnect',
    reason: 'not-a-participant',
  });
  assert.deepEqual(verdictFor(null, 'host'), { kind: 'disconnect', reason: 'meeting-ended' });
});
