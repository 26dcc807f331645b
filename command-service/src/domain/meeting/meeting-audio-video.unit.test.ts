import { describe, test } from 'node:test';
import { BusinessRuleViolation, NotPermitted } from '../errors.js';
import {
  ALICE,
  BOB,
  CAROL,
  CREATOR,
  command,
  event,
  left,
  muted,
  runningWithAliceAndBob,
  runningWithAliceAsHost,
  spec,
  videoOff,
} from '../testing/meeting-fixtures.js';

const given = runningWithAliceAndBob;

describe('MuteParticipant', () => {
  test('a participant mutes themselves', () => {
    spec
      .given(given())
      .when(command('MuteParticipant', { userId: ALICE }, ALICE))
      .then([muted(ALICE)]);
  });

  test('a host mutes anyone present, promoted hosts included', () => {
    spec
      .given(given())
      .when(command('MuteParticipant', { userId: ALICE }))
      .then([muted(ALICE, CREATOR)]);
    spec
      .given(runningWithAliceAsHost())
      .when(command('MuteParticipant', { userId: BOB }, ALICE))
      .then([muted(BOB, ALICE)]);
  });

  test('a participant cannot mute others', () => {
    spec
      .given(given())
      .when(command('MuteParticipant', { userId: BOB }, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('muting a muted participant emits nothing', () => {
    spec
      .given([...given(), muted(ALICE)])
      .when(command('MuteParticipant', { userId: ALICE }))
      .thenNothing();
  });

  test('the target must be present', () => {
    spec
      .given(given())
      .when(command('MuteParticipant', { userId: CAROL }))
      .thenThrows(BusinessRuleViolation, 'participant-not-present');
    spec
      .given([...given(), left(ALICE)])
      .when(command('MuteParticipant', { userId: ALICE }, ALICE))
      .thenThrows(BusinessRuleViolation, 'participant-not-present');
  });
});

describe('UnmuteParticipant', () => {
  test('a participant unmutes themselves', () => {
    spec
      .given([...given(), muted(ALICE, CREATOR)])
      .when(command('UnmuteParticipant', { userId: ALICE }, ALICE))
      .then([event('ParticipantUnmuted', { userId: ALICE })]);
  });

  test('nobody, not even a host, unmutes someone else', () => {
    spec
      .given([...given(), muted(ALICE)])
      .when(command('UnmuteParticipant', { userId: ALICE }))
      .thenThrows(NotPermitted, 'cannot-unmute-others');
  });

  test('unmuting an unmuted participant emits nothing', () => {
    spec
      .given(given())
      .when(command('UnmuteParticipant', { userId: ALICE }, ALICE))
      .thenNothing();
  });

  test('the participant must be present', () => {
    spec
      .given(given())
      .when(command('UnmuteParticipant', { userId: CAROL }, CAROL))
      .thenThrows(BusinessRuleViolation, 'participant-not-present');
  });
});

describe('TurnVideoOn', () => {
  test('a participant turns their own video back on', () => {
    spec
      .given([...given(), videoOff(ALICE)])
      .when(command('TurnVideoOn', { userId: ALICE }, ALICE))
      .then([event('ParticipantVideoTurnedOn', { userId: ALICE })]);
  });

  test('nobody, not even a host, turns on someone else’s video', () => {
    spec
      .given([...given(), videoOff(ALICE)])
      .when(command('TurnVideoOn', { userId: ALICE }))
      .thenThrows(NotPermitted, 'cannot-turn-on-others-video');
  });

  test('turning on video that is on emits nothing', () => {
    spec
      .given(given())
      .when(command('TurnVideoOn', { userId: ALICE }, ALICE))
      .thenNothing();
  });

  test('the participant must be present', () => {
    spec
      .given(given())
      .when(command('TurnVideoOn', { userId: CAROL }, CAROL))
      .thenThrows(BusinessRuleViolation, 'participant-not-present');
  });
});

describe('TurnVideoOff', () => {
  test('a participant turns their own video off', () => {
    spec
      .given(given())
      .when(command('TurnVideoOff', { userId: ALICE }, ALICE))
      .then([videoOff(ALICE)]);
  });

  test('a host turns off anyone’s video', () => {
    spec
      .given(given())
      .when(command('TurnVideoOff', { userId: ALICE }))
      .then([videoOff(ALICE, CREATOR)]);
  });

  test('a participant cannot turn off others’ video', () => {
    spec
      .given(given())
      .when(command('TurnVideoOff', { userId: BOB }, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('turning off video that is off emits nothing', () => {
    spec
      .given([...given(), videoOff(ALICE)])
      .when(command('TurnVideoOff', { userId: ALICE }))
      .thenNothing();
  });

  test('the target must be present', () => {
    spec
      .given(given())
      .when(command('TurnVideoOff', { userId: CAROL }))
      .thenThrows(BusinessRuleViolation, 'participant-not-present');
  });
});
