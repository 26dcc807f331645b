import { describe, test } from 'node:test';
import { BusinessRuleViolation, NotPermitted, WrongPasscode } from '../errors.js';
import {
  ALICE,
  BOB,
  CAROL,
  CREATOR,
  command,
  ended,
  event,
  joined,
  left,
  roleChanged,
  scheduledWithAccess,
  spec,
  START_AT,
  started,
} from '../testing/meeting-fixtures.js';

const meeting = scheduledWithAccess;

const join = (userId: string, matchedVersion?: number | null) =>
  command('JoinMeeting', matchedVersion === undefined ? {} : { passcode: { matchedVersion } }, userId);
const invited = (userId: string) => event('ParticipantInvited', { userId, invitedBy: CREATOR });
const bannedOut = (userId: string) =>
  event('ParticipantRemoved', { userId, removedBy: CREATOR, reason: null, banned: true });
const settingsChanged = (change: Record<string, unknown>) =>
  event('MeetingSettingsChanged', { changedBy: CREATOR, ...change });

describe('ScheduleMeeting with access settings', () => {
  test('a passcode meeting records the version of its stored passcode, never the passcode', () => {
    spec
      .given([])
      .when(
        command('ScheduleMeeting', {
          title: 'Weekly sync',
          scheduledStartAt: START_AT,
          scheduledEndAt: '2030-01-01T10:00:00.000Z',
          settings: { access: 'passcode', lobby: true },
          passcodeVersion: 1,
        }),
      )
      .then([meeting('passcode', true, 1)]);
  });

  test('a passcode meeting without a passcode is refused', () => {
    spec
      .given([])
      .when(
        command('ScheduleMeeting', {
          title: 'Weekly sync',
          scheduledStartAt: START_AT,
          settings: { access: 'passcode' },
        }),
      )
      .thenThrows(BusinessRuleViolation, 'passcode-missing');
  });
});

describe('JoinMeeting by access mode', () => {
  test('invited: only invitees enter; the others are refused', () => {
    spec
      .given([meeting('invited')])
      .when(join(ALICE))
      .thenThrows(NotPermitted, 'not-invited');
    spec
      .given([meeting('invited'), invited(ALICE)])
      .when(join(ALICE))
      .then([joined(ALICE)]);
  });

  test('hosts always enter: the creator, and a promoted host coming back', () => {
    spec
      .given([meeting('invited')])
      .when(join(CREATOR))
      .then([joined(CREATOR, 'host')]);
    const promotedAndLeft = [
      meeting('open'),
      started(),
      joined(ALICE),
      roleChanged(ALICE, 'host'),
      left(ALICE),
    ];
    spec
      .given([...promotedAndLeft, settingsChanged({ access: 'invited', lobby: true })])
      .when(join(ALICE))
      .then([joined(ALICE, 'host')]);
  });

  test('open: anyone signed in enters', () => {
    spec
      .given([meeting('open')])
      .when(join(ALICE))
      .then([joined(ALICE)]);
  });

  test('passcode: none given, a wrong one, or one of an earlier version is refused', () => {
    const given = [meeting('passcode', false, 2)];
    spec.given(given).when(join(ALICE)).thenThrows(NotPermitted, 'passcode-required');
    spec.given(given).when(join(ALICE, null)).thenThrows(WrongPasscode, 'wrong-passcode');
    spec.given(given).when(join(ALICE, 1)).thenThrows(WrongPasscode, 'wrong-passcode');
  });

  test('passcode: the current passcode lets anyone in; invitees need none', () => {
    spec
      .given([meeting('passcode', false, 2)])
      .when(join(ALICE, 2))
      .then([joined(ALICE)]);
    spec
      .given([meeting('passcode', false, 2), invited(BOB)])
      .when(join(BOB))
      .then([joined(BOB)]);
  });

  test('a revoked invitation no longer lets its holder in', () => {
    spec
      .given([
        meeting('invited'),
        invited(ALICE),
        event('InvitationRevoked', { userId: ALICE, revokedBy: CREATOR }),
      ])
      .when(join(ALICE))
      .thenThrows(NotPermitted, 'not-invited');
  });
});

describe('bans', () => {
  const banned = [meeting('open'), started(), joined(ALICE), bannedOut(ALICE)];

  test('RemoveParticipant with ban records it', () => {
    spec
      .given([meeting('open'), started(), joined(ALICE)])
      .when(command('RemoveParticipant', { userId: ALICE, ban: true, reason: 'Spam' }))
      .then([
        event('ParticipantRemoved', { userId: ALICE, removedBy: CREATOR, reason: 'Spam', banned: true }),
      ]);
  });

  test('a banned user can neither join, even an open meeting, nor be invited', () => {
    spec.given(banned).when(join(ALICE)).thenThrows(NotPermitted, 'banned');
    spec
      .given(banned)
      .when(command('InviteParticipant', { userId: ALICE }))
      .thenThrows(BusinessRuleViolation, 'user-banned');
  });

  test('a host lifts the ban, once; the user may then join again', () => {
    spec
      .given(banned)
      .when(command('LiftBan', { userId: ALICE }))
      .then([event('BanLifted', { userId: ALICE, liftedBy: CREATOR })]);
    const lifted = [...banned, event('BanLifted', { userId: ALICE, liftedBy: CREATOR })];
    spec
      .given(lifted)
      .when(command('LiftBan', { userId: ALICE }))
      .thenNothing();
    spec
      .given(lifted)
      .when(join(ALICE))
      .then([joined(ALICE)]);
  });

  test('only a host lifts a ban', () => {
    spec
      .given([...banned, joined(BOB)])
      .when(command('LiftBan', { userId: ALICE }, BOB))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('a removal without ban is a kick: the user may come back', () => {
    spec
      .given([meeting('open'), started(), joined(ALICE)])
      .when(command('RemoveParticipant', { userId: ALICE }))
      .then([
        event('ParticipantRemoved', { userId: ALICE, removedBy: CREATOR, reason: null, banned: false }),
      ]);
  });
});

describe('invitations', () => {
  test('a host invites; inviting again changes nothing', () => {
    spec
      .given([meeting('invited')])
      .when(command('InviteParticipant', { userId: ALICE }))
      .then([invited(ALICE)]);
    spec
      .given([meeting('invited'), invited(ALICE)])
      .when(command('InviteParticipant', { userId: ALICE }))
      .thenNothing();
  });

  test('a host revokes; revoking what is not there changes nothing', () => {
    spec
      .given([meeting('invited'), invited(ALICE)])
      .when(command('RevokeInvitation', { userId: ALICE }))
      .then([event('InvitationRevoked', { userId: ALICE, revokedBy: CREATOR })]);
    spec
      .given([meeting('invited')])
      .when(command('RevokeInvitation', { userId: ALICE }))
      .thenNothing();
  });

  test('only hosts invite or revoke, and nobody invites to a meeting that is over', () => {
    const given = [meeting('open'), joined(BOB), invited(ALICE)];
    spec
      .given(given)
      .when(command('InviteParticipant', { userId: CAROL }, BOB))
      .thenThrows(NotPermitted, 'host-only');
    spec
      .given(given)
      .when(command('RevokeInvitation', { userId: ALICE }, BOB))
      .thenThrows(NotPermitted, 'host-only');
    spec
      .given([meeting('open'), started(), ended()])
      .when(command('InviteParticipant', { userId: CAROL }))
      .thenThrows(BusinessRuleViolation, 'meeting-already-ended');
  });
});
