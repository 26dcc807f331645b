import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fold } from '../decider.js';
import {
  ALICE,
  CREATOR,
  MEETING,
  NOW,
  REC_1,
  command,
  event,
  joined,
  left,
  recordingFailed,
  recordingStarted,
  runningWithAliceAndBob,
  runningWithAliceAsHost,
  scheduled,
  started,
} from '../testing/meeting-fixtures.js';
import { meetingDecider } from './decider.js';
import { meetingExists } from './state.js';

describe('evolve', () => {
  test('builds the state from the history', () => {
    const state = fold(meetingDecider, [
      ...runningWithAliceAsHost(),
      event('MeetingUpdated', { maxParticipants: 10, description: 'Agenda' }),
      recordingStarted(REC_1),
    ]);
    assert.ok(meetingExists(state));
    assert.equal(state.status, 'started');
    assert.equal(state.meetingId, MEETING);
    assert.deepEqual([...state.hosts], [CREATOR, ALICE]);
    assert.deepEqual(state.participants.get(ALICE), { role: 'host', isMuted: false, isVideoOn: true });
    assert.equal(state.maxParticipants, 10);
    assert.equal(state.description, 'Agenda');
    assert.equal(state.activeRecordingId, REC_1);
  });

  test('never mutates the previous state', () => {
    const before = fold(meetingDecider, runningWithAliceAndBob());
    const snapshot = structuredClone(before);
    const events = meetingDecider.decide(command('EndMeeting', {}), before);
    events.reduce((state, e) => meetingDecider.evolve(state, e), before);
    meetingDecider.evolve(before, joined(CREATOR, 'host'));
    assert.deepEqual(before, snapshot);
  });

  test('decided events do not depend on the injected time', () => {
    const state = fold(meetingDecider, [scheduled()]);
    const cmd = command('StartMeeting', {});
    assert.deepEqual(
      meetingDecider.decide(cmd, state),
      meetingDecider.decide({ ...cmd, now: new Date(NOW.getTime() + 1) }, state),
    );
  });

  test('a promoted host stays in the hosts set while away, and a failed recording is no longer active', () => {
    const state = fold(meetingDecider, [
      ...runningWithAliceAsHost(),
      left(ALICE),
      recordingStarted(REC_1),
      recordingFailed(REC_1),
    ]);
    assert.ok(meetingExists(state));
    assert.ok(state.hosts.has(ALICE));
    assert.equal(state.participants.has(ALICE), false);
    assert.equal(state.activeRecordingId, null);
    assert.equal(state.recordings.get(REC_1), 'failed');
  });

  test('ignores events of a meeting that was never scheduled', () => {
    assert.deepEqual(fold(meetingDecider, [started()]), { status: 'none' });
  });
});
