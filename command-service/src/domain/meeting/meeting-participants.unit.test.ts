import { describe, test } from 'node:test';
import { BusinessRuleViolation, NotPermitted } from '../errors.js';
import {
  ALICE,
  BOB,
  CAROL,
  CREATOR,
  cancelled,
  command,
  ended,
  event,
  joined,
  left,
  removed,
  roleChanged,
  runningWithAliceAndBob,
  runningWithAliceAsHost,
  scheduled,
  spec,
  started,
} from '../testing/meeting-fixtures.js';

const join = (userId: string) => command('JoinMeeting', {}, userId);

describe('JoinMeeting', () => {
  test('a user joins a scheduled meeting as a participant, unmuted and with video on', () => {
    spec
      .given([scheduled()])
      .when(join(ALICE))
      .then([joined(ALICE, 'participant', false, true)]);
  });

  test('a user joins a started meeting', () => {
    spec
      .given([scheduled(), started()])
      .when(join(ALICE))
      .then([joined(ALICE)]);
  });

  test('joins muted when the meeting mutes on join', () => {
    spec
      .given([scheduled({ settings: { muteOnJoin: true, allowChat: true, access: 'open', lobby: false } })])
      .when(join(ALICE))
      .then([joined(ALICE, 'participant', true)]);
  });

  test('the creator joins as host', () => {
    spec
      .given([scheduled()])
      .when(join(CREATOR))
      .then([joined(CREATOR, 'host')]);
  });

  test('an ended or cancelled meeting cannot be joined', () => {
    spec
      .given([scheduled(), started(), ended()])
      .when(join(ALICE))
      .thenThrows(BusinessRuleViolation, 'meeting-not-joinable');
    spec
      .given([scheduled(), cancelled()])
      .when(join(ALICE))
      .thenThrows(BusinessRuleViolation, 'meeting-not-joinable');
  });

  test('a user is in the meeting at most once', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(join(ALICE))
      .thenThrows(BusinessRuleViolation, 'already-in-meeting');
  });

  test('a full meeting refuses joins until someone leaves', () => {
    const full = [scheduled({ maxParticipants: 2 }), started(), joined(ALICE), joined(BOB)];
    spec.given(full).when(join(CAROL)).thenThrows(BusinessRuleViolation, 'meeting-full');
    spec
      .given([...full, left(BOB)])
      .when(join(CAROL))
      .then([joined(CAROL)]);
  });

  test('a user may rejoin after leaving, and after being removed', () => {
    spec
      .given([...runningWithAliceAndBob(), left(ALICE)])
      .when(join(ALICE))
      .then([joined(ALICE)]);
    spec
      .given([...runningWithAliceAndBob(), removed(ALICE)])
      .when(join(ALICE))
      .then([joined(ALICE)]);
  });

  test('a promoted host rejoins as host; a demoted one as participant', () => {
    spec
      .given([...runningWithAliceAsHost(), left(ALICE)])
      .when(join(ALICE))
      .then([joined(ALICE, 'host')]);
    spec
      .given([...runningWithAliceAsHost(), roleChanged(ALICE, 'participant'), left(ALICE)])
      .when(join(ALICE))
      .then([joined(ALICE)]);
  });
});

describe('LeaveMeeting', () => {
  test('a present participant leaves', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('LeaveMeeting', {}, ALICE))
      .then([left(ALICE)]);
  });

  test('only someone in the meeting can leave it', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('LeaveMeeting', {}, CAROL))
      .thenThrows(BusinessRuleViolation, 'not-in-meeting');
    spec
      .given([...runningWithAliceAndBob(), left(ALICE)])
      .when(command('LeaveMeeting', {}, ALICE))
      .thenThrows(BusinessRuleViolation, 'not-in-meeting');
  });
});

describe('RemoveParticipant', () => {
  test('a host removes a present participant', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('RemoveParticipant', { userId: ALICE }))
      .then([removed(ALICE)]);
    spec
      .given(runningWithAliceAndBob())
      .when(command('RemoveParticipant', { userId: ALICE, reason: 'Spam' }))
      .then([
        event('ParticipantRemoved', { userId: ALICE, removedBy: CREATOR, reason: 'Spam', banned: false }),
      ]);
  });

  test('only a host may remove participants', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('RemoveParticipant', { userId: BOB }, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('the creator cannot be removed, even by another host', () => {
    spec
      .given([...runningWithAliceAsHost(), joined(CREATOR, 'host')])
      .when(command('RemoveParticipant', { userId: CREATOR }, ALICE))
      .thenThrows(BusinessRuleViolation, 'cannot-remove-creator');
  });

  test('a host cannot remove themselves', () => {
    spec
      .given(runningWithAliceAsHost())
      .when(command('RemoveParticipant', { userId: ALICE }, ALICE))
      .thenThrows(BusinessRuleViolation, 'cannot-remove-self');
  });

  test('the target must be present', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('RemoveParticipant', { userId: CAROL }))
      .thenThrows(BusinessRuleViolation, 'participant-not-present');
  });
});

describe('ChangeParticipantRole and host powers', () => {
  test('a host promotes a present participant', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('ChangeParticipantRole', { userId: ALICE, role: 'host' }))
      .then([roleChanged(ALICE, 'host')]);
  });

  test('a promoted host can use host powers, e.g. start the meeting and remove others', () => {
    spec
      .given([scheduled(), joined(ALICE), roleChanged(ALICE, 'host')])
      .when(command('StartMeeting', {}, ALICE))
      .then([event('MeetingStarted', { startedBy: ALICE })]);
    spec
      .given(runningWithAliceAsHost())
      .when(command('RemoveParticipant', { userId: BOB }, ALICE))
      .then([event('ParticipantRemoved', { userId: BOB, removedBy: ALICE, reason: null, banned: false })]);
  });

  test('a promoted host who left has no host powers until back', () => {
    spec
      .given([...runningWithAliceAsHost(), left(ALICE)])
      .when(command('EndMeeting', {}, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('a demoted host loses host powers', () => {
    spec
      .given([...runningWithAliceAsHost(), roleChanged(ALICE, 'participant')])
      .when(command('EndMeeting', {}, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('a host demotes another promoted host', () => {
    spec
      .given(runningWithAliceAsHost())
      .when(command('ChangeParticipantRole', { userId: ALICE, role: 'participant' }))
      .then([roleChanged(ALICE, 'participant')]);
  });

  test('only a host may change roles', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('ChangeParticipantRole', { userId: ALICE, role: 'host' }, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('the creator cannot be demoted', () => {
    spec
      .given([...runningWithAliceAsHost(), joined(CREATOR, 'host')])
      .when(command('ChangeParticipantRole', { userId: CREATOR, role: 'participant' }, ALICE))
      .thenThrows(BusinessRuleViolation, 'cannot-demote-creator');
  });

  test('the target must be present', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('ChangeParticipantRole', { userId: CAROL, role: 'host' }))
      .thenThrows(BusinessRuleViolation, 'participant-not-present');
  });

  test('giving the role someone already has emits nothing', () => {
    spec
      .given(runningWithAliceAsHost())
      .when(command('ChangeParticipantRole', { userId: ALICE, role: 'host' }))
      .thenNothing();
  });
});
