import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeEvent } from '../decode.js';
import type { EventEnvelope } from '../envelope.js';
import { InvalidEventDataError, UnknownEventTypeError } from '../registry.js';
import { MissingUpcasterError, UpcasterRegistry } from './upcaster-registry.js';
import { createUpcasterRegistry } from './upcasters.js';

const meetingId = '00000000-0000-4000-8000-000000000001';
const userId = '00000000-0000-4000-8000-000000000002';

function recorded(type: string, schemaVersion: number, data: unknown): EventEnvelope {
  return {
    eventId: '00000000-0000-4000-8000-0000000000ff',
    type,
    schemaVersion,
    data,
    streamId: `meeting-${meetingId}`,
    streamVersion: 2,
    globalPosition: 10,
    checkpoint: { transactionId: 5, globalPosition: 10 },
    occurredAt: new Date('2026-01-01T00:00:00Z'),
    metadata: { correlationId: 'c', causationId: null, actorUserId: userId, idempotencyKey: null },
  };
}

describe('ParticipantJoined v1 → v2', () => {
  const upcasters = createUpcasterRegistry();

  test('a v1 host joins as role host, unmuted with video on', () => {
    const { event, schemaVersion } = upcasters.upcast('ParticipantJoined', 1, {
      meetingId,
      userId,
      isHost: true,
    });
    assert.equal(schemaVersion, 2);
    assert.deepEqual(event, {
      type: 'ParticipantJoined',
      data: { meetingId, userId, role: 'host', isMuted: false, isVideoOn: true },
    });
  });

  test('a v1 non-host joins as participant, and the v1 flag is gone', () => {
    const { event } = upcasters.upcast('ParticipantJoined', 1, { meetingId, userId, isHost: false });
    assert.equal((event.data as { role: string }).role, 'participant');
    assert.ok(!('isHost' in event.data));
  });

  test('a v2 event passes through unchanged', () => {
    const data = { meetingId, userId, role: 'participant', isMuted: true, isVideoOn: false };
    assert.deepEqual(upcasters.upcast('ParticipantJoined', 2, data), {
      event: { type: 'ParticipantJoined', data },
      schemaVersion: 2,
    });
  });

  test('decodeEvent reads a stored v1 event at the current version, envelope intact', () => {
    const decoded = decodeEvent(
      upcasters,
      recorded('ParticipantJoined', 1, { meetingId, userId, isHost: true }),
    );
    assert.equal(decoded.schemaVersion, 2);
    assert.equal(decoded.streamVersion, 2);
    assert.deepEqual(decoded.data, { meetingId, userId, role: 'host', isMuted: false, isVideoOn: true });
  });
});

describe('access settings: MeetingScheduled and ParticipantRemoved v1 → v2', () => {
  const upcasters = createUpcasterRegistry();
  const v1Scheduled = {
    meetingId,
    hostId: userId,
    title: 'Sync',
    description: null,
    scheduledStartAt: '2030-01-01T09:00:00Z',
    scheduledEndAt: null,
    maxParticipants: 10,
    settings: { muteOnJoin: true, allowChat: false },
  };

  test('a v1 meeting was open to anyone signed in, without lobby or passcode', () => {
    const { event, schemaVersion } = upcasters.upcast('MeetingScheduled', 1, v1Scheduled);
    assert.equal(schemaVersion, 2);
    assert.deepEqual(event.data, {
      ...v1Scheduled,
      settings: { muteOnJoin: true, allowChat: false, access: 'open', lobby: false },
      passcodeVersion: null,
    });
  });

  test('a v1 removal was never a ban', () => {
    const data = { meetingId, userId, removedBy: userId, reason: null };
    const { event } = upcasters.upcast('ParticipantRemoved', 1, data);
    assert.deepEqual(event.data, { ...data, banned: false });
  });
});

describe('upcaster registry', () => {
  test('an old version without an upcaster is an error, not a silent pass-through', () => {
    assert.throws(
      () => new UpcasterRegistry().upcast('ParticipantJoined', 1, { meetingId, userId, isHost: true }),
      MissingUpcasterError,
    );
  });

  test('unknown types and invalid data are typed errors', () => {
    const upcasters = createUpcasterRegistry();
    assert.throws(() => upcasters.upcast('NoSuchEvent', 1, {}), UnknownEventTypeError);
    assert.throws(
      () => upcasters.upcast('MeetingStarted', 1, { meetingId: 'not-a-uuid', startedBy: userId }),
      (e: unknown) => e instanceof InvalidEventDataError && /meetingId/.test(e.message),
    );
  });

  test('registering the same step twice is refused', () => {
    const registry = new UpcasterRegistry().register('X', 1, (d) => d);
    assert.throws(() => registry.register('X', 1, (d) => d), /twice/);
  });
});
