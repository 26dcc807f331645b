import { describe, test } from 'node:test';
import { BusinessRuleViolation } from '../errors.js';
import {
  ALICE,
  BOB,
  CAROL,
  MSG,
  command,
  event,
  joined,
  left,
  runningWithAliceAndBob,
  scheduled,
  spec,
  started,
} from '../testing/meeting-fixtures.js';

const say = (actorId: string, recipientId?: string) =>
  command('SendChatMessage', { messageId: MSG, text: 'Hello', ...(recipientId && { recipientId }) }, actorId);
const sent = (senderId: string, recipientId: string | null = null) =>
  event('ChatMessageSent', { messageId: MSG, senderId, recipientId, text: 'Hello' });

describe('SendChatMessage', () => {
  test('a present participant writes to everyone', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(say(ALICE))
      .then([sent(ALICE)]);
  });

  test('a present participant writes to another present participant', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(say(ALICE, BOB))
      .then([sent(ALICE, BOB)]);
  });

  test('the meeting must have started', () => {
    spec
      .given([scheduled(), joined(ALICE)])
      .when(say(ALICE))
      .thenThrows(BusinessRuleViolation, 'meeting-not-started');
  });

  test('the sender must be in the meeting', () => {
    spec.given(runningWithAliceAndBob()).when(say(CAROL)).thenThrows(BusinessRuleViolation, 'not-in-meeting');
    spec
      .given([...runningWithAliceAndBob(), left(ALICE)])
      .when(say(ALICE))
      .thenThrows(BusinessRuleViolation, 'not-in-meeting');
  });

  test('chat can be disabled for the meeting', () => {
    spec
      .given([
        scheduled({ settings: { muteOnJoin: false, allowChat: false, access: 'open', lobby: false } }),
        started(),
        joined(ALICE),
      ])
      .when(say(ALICE))
      .thenThrows(BusinessRuleViolation, 'chat-disabled');
  });

  test('a direct recipient must be in the meeting', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(say(ALICE, CAROL))
      .thenThrows(BusinessRuleViolation, 'recipient-not-present');
  });
});
