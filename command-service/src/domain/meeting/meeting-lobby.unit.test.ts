import { describe, test } from 'node:test';
import { BusinessRuleViolation, NotPermitted } from '../errors.js';
import {
  ALICE,
  BOB,
  CAROL,
  CREATOR,
  command,
  ended,
  event,
  joined,
  scheduledWithAccess,
  spec,
  started,
} from '../testing/meeting-fixtures.js';

const meeting = scheduledWithAccess;

const join = (userId: string) => command('JoinMeeting', {}, userId);
const invited = (userId: string) => event('ParticipantInvited', { userId, invitedBy: CREATOR });
const waiting = (userId: string) => event('ParticipantWaiting', { userId });
const admitted = (userId: string) => event('ParticipantAdmitted', { userId, admittedBy: CREATOR });
const bannedOut = (userId: string) =>
  event('ParticipantRemoved', { userId, removedBy: CREATOR, reason: null, banned: true });
const settingsChanged = (change: Record<string, unknown>) =>
  event('MeetingSettingsChanged', { changedBy: CREATOR, ...change });

describe('the lobby', () => {
  const lobby = [meeting('open', true), started()];

  test('a non-host waits there instead of joining, once; hosts go straight in', () => {
    spec
      .given(lobby)
      .when(join(ALICE))
      .then([waiting(ALICE)]);
    spec
      .given([...lobby, waiting(ALICE)])
      .when(join(ALICE))
      .thenThrows(BusinessRuleViolation, 'already-in-lobby');
    spec
      .given(lobby)
      .when(join(CREATOR))
      .then([joined(CREATOR, 'host')]);
  });

  test('the access mode still applies before the lobby', () => {
    spec
      .given([meeting('invited', true)])
      .when(join(ALICE))
      .thenThrows(NotPermitted, 'not-invited');
    spec
      .given([meeting('invited', true), invited(ALICE)])
      .when(join(ALICE))
      .then([waiting(ALICE)]);
  });

  test('a host admits a waiting user, who joins; only while a seat is free', () => {
    spec
      .given([...lobby, waiting(ALICE)])
      .when(command('AdmitParticipant', { userId: ALICE }))
      .then([admitted(ALICE), joined(ALICE)]);
    const full = [scheduledWithAccess('open', true, null, { maxParticipants: 2 }), started()];
    spec
      .given([...full, joined(CREATOR, 'host'), joined(BOB), waiting(ALICE)])
      .when(command('AdmitParticipant', { userId: ALICE }))
      .thenThrows(BusinessRuleViolation, 'meeting-full');
  });

  test('a host denies a waiting user, who may ask again', () => {
    const denied = event('ParticipantDenied', { userId: ALICE, deniedBy: CREATOR });
    spec
      .given([...lobby, waiting(ALICE)])
      .when(command('DenyParticipant', { userId: ALICE }))
      .then([denied]);
    spec
      .given([...lobby, waiting(ALICE), denied])
      .when(join(ALICE))
      .then([waiting(ALICE)]);
  });

  test('admitting or denying needs a host and someone waiting', () => {
    for (const type of ['AdmitParticipant', 'DenyParticipant'] as const) {
      spec
        .given([...lobby, joined(BOB), waiting(ALICE)])
        .when(command(type, { userId: ALICE }, BOB))
        .thenThrows(NotPermitted, 'host-only');
      spec
        .given(lobby)
        .when(command(type, { userId: ALICE }))
        .thenThrows(BusinessRuleViolation, 'not-in-lobby');
    }
  });

  test('a waiting user may leave the lobby', () => {
    spec
      .given([...lobby, waiting(ALICE)])
      .when(command('LeaveMeeting', {}, ALICE))
      .then([event('ParticipantLeftLobby', { userId: ALICE, reason: 'left' })]);
  });

  test('ending or cancelling the meeting empties the lobby first', () => {
    spec
      .given([...lobby, waiting(ALICE)])
      .when(command('EndMeeting', {}))
      .then([event('ParticipantLeftLobby', { userId: ALICE, reason: 'meeting_ended' }), ended()]);
    spec
      .given([meeting('open', true), waiting(ALICE)])
      .when(command('CancelMeeting', {}))
      .then([
        event('ParticipantLeftLobby', { userId: ALICE, reason: 'meeting_ended' }),
        event('MeetingCancelled', { cancelledBy: CREATOR, reason: null }),
      ]);
  });

  test('a banned user cannot wait in the lobby either', () => {
    spec
      .given([...lobby, waiting(ALICE), admitted(ALICE), joined(ALICE), bannedOut(ALICE)])
      .when(join(ALICE))
      .thenThrows(NotPermitted, 'banned');
  });
});

describe('ChangeMeetingSettings', () => {
  const change = (data: Record<string, unknown>, actor = CREATOR) =>
    command('ChangeMeetingSettings', data, actor);

  test('emits only what changes, and nothing when nothing does', () => {
    spec
      .given([meeting('invited')])
      .when(change({ access: 'open', muteOnJoin: false, allowChat: false }))
      .then([settingsChanged({ access: 'open', allowChat: false })]);
    spec
      .given([meeting('invited')])
      .when(change({ access: 'invited', lobby: false }))
      .thenNothing();
  });

  test('a new passcode is recorded by its version', () => {
    spec
      .given([meeting('passcode', false, 1)])
      .when(change({ passcodeVersion: 2 }))
      .then([settingsChanged({ passcodeVersion: 2 })]);
  });

  test('passcode access needs a passcode, given now or earlier', () => {
    spec
      .given([meeting('open')])
      .when(change({ access: 'passcode' }))
      .thenThrows(BusinessRuleViolation, 'passcode-missing');
    spec
      .given([meeting('open')])
      .when(change({ access: 'passcode', passcodeVersion: 1 }))
      .then([settingsChanged({ access: 'passcode', passcodeVersion: 1 })]);
  });

  test('only a host, and not once the meeting is over', () => {
    spec
      .given([meeting('open'), joined(ALICE)])
      .when(change({ lobby: true }, ALICE))
      .thenThrows(NotPermitted, 'host-only');
    spec
      .given([meeting('open'), started(), ended()])
      .when(change({ lobby: true }))
      .thenThrows(BusinessRuleViolation, 'meeting-already-ended');
  });

  test('turning the lobby off admits those waiting, in arrival order, while seats remain', () => {
    const given = [
      scheduledWithAccess('open', true, null, { maxParticipants: 3 }),
      started(),
      joined(CREATOR, 'host'),
      waiting(BOB),
      waiting(ALICE),
      waiting(CAROL),
    ];
    spec
      .given(given)
      .when(change({ lobby: false }))
      .then([settingsChanged({ lobby: false }), admitted(BOB), joined(BOB), admitted(ALICE), joined(ALICE)]);
  });
});
