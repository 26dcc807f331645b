import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UserRole, UserStatus } from '@meetings/events';
import { fold } from '../decider.js';
import { AggregateNotFound, BusinessRuleViolation, NotPermitted } from '../errors.js';
import { deciderSpec } from '../testing/decider-spec.js';
import type { DeleteUser, RecordLogIn, SetUserStatus } from './commands.js';
import { userDecider } from './decider.js';
import type { UserEvent } from './state.js';

const ALICE = '00000000-0000-4000-8000-000000000003';
const ADMIN = '00000000-0000-4000-8000-000000000005';
const NOW = new Date('2030-01-01T08:00:00.000Z');

const spec = deciderSpec(userDecider);

const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId: ALICE, username: 'alice', email: 'alice@example.com', displayName: 'alice', role: 'user' },
};
const statusChanged = (status: UserStatus): UserEvent => ({
  type: 'UserStatusChanged',
  data: { userId: ALICE, status, changedBy: ADMIN },
});
const deleted: UserEvent = { type: 'UserDeleted', data: { userId: ALICE, deletedBy: ALICE } };

const logIn = (): RecordLogIn => ({ type: 'RecordLogIn', data: { userId: ALICE }, actorId: ALICE, now: NOW });
const setStatus = (status: UserStatus, actorRole: UserRole = 'admin', actorId = ADMIN): SetUserStatus => ({
  type: 'SetUserStatus',
  data: { userId: ALICE, status, actorRole },
  actorId,
  now: NOW,
});
const remove = (actorId = ALICE): DeleteUser => ({
  type: 'DeleteUser',
  data: { userId: ALICE },
  actorId,
  now: NOW,
});

describe('RecordLogIn', () => {
  test('an active account records the log-in', () => {
    spec
      .given([registered])
      .when(logIn())
      .then([{ type: 'UserLoggedIn', data: { userId: ALICE } }]);
  });

  test('a disabled account is refused; enabled again, it logs in', () => {
    spec
      .given([registered, statusChanged('disabled')])
      .when(logIn())
      .thenThrows(NotPermitted, 'account-disabled');
    spec
      .given([registered, statusChanged('disabled'), statusChanged('active')])
      .when(logIn())
      .then([{ type: 'UserLoggedIn', data: { userId: ALICE } }]);
  });

  test('a deleted or unknown account is refused', () => {
    spec.given([registered, deleted]).when(logIn()).thenThrows(BusinessRuleViolation, 'user-deleted');
    spec.given([]).when(logIn()).thenThrows(AggregateNotFound, 'user-not-found');
  });
});

describe('SetUserStatus', () => {
  test('an admin disables a user, naming themselves, and enables them again', () => {
    spec
      .given([registered])
      .when(setStatus('disabled'))
      .then([statusChanged('disabled')]);
    spec
      .given([registered, statusChanged('disabled')])
      .when(setStatus('active'))
      .then([statusChanged('active')]);
  });

  test('setting the status the account has is a no-op', () => {
    spec.given([registered]).when(setStatus('active')).thenNothing();
    spec
      .given([registered, statusChanged('disabled')])
      .when(setStatus('disabled'))
      .thenNothing();
  });

  test('a plain user cannot, an admin cannot disable themselves', () => {
    spec.given([registered]).when(setStatus('disabled', 'user')).thenThrows(NotPermitted, 'admin-only');
    spec
      .given([registered])
      .when(setStatus('disabled', 'admin', ALICE))
      .thenThrows(NotPermitted, 'cannot-change-own-status');
  });

  test('an unknown user is not found; a deleted one is gone', () => {
    spec.given([]).when(setStatus('disabled')).thenThrows(AggregateNotFound, 'user-not-found');
    spec
      .given([registered, deleted])
      .when(setStatus('disabled'))
      .thenThrows(BusinessRuleViolation, 'user-deleted');
  });
});

describe('DeleteUser', () => {
  test('the user deletes their account, disabled or not', () => {
    spec.given([registered]).when(remove()).then([deleted]);
    spec
      .given([registered, statusChanged('disabled')])
      .when(remove())
      .then([deleted]);
  });

  test('deleting it again is a no-op (a retry)', () => {
    spec.given([registered, deleted]).when(remove()).thenNothing();
  });

  test('nobody else deletes it, an admin neither; an unknown user is not found', () => {
    spec.given([registered]).when(remove(ADMIN)).thenThrows(NotPermitted, 'self-only');
    spec.given([]).when(remove()).thenThrows(AggregateNotFound, 'user-not-found');
  });
});

describe('a deleted account', () => {
  test('keeps nothing personal in the state', () => {
    assert.deepEqual(fold(userDecider, [registered, deleted]), { status: 'deleted', userId: ALICE });
  });

  test('takes no profile update and no role change', () => {
    spec
      .given([registered, deleted])
      .when({ type: 'UpdateProfile', data: { userId: ALICE, displayName: 'A' }, actorId: ALICE, now: NOW })
      .thenThrows(BusinessRuleViolation, 'user-deleted');
    spec
      .given([registered, deleted])
      .when({
        type: 'ChangeUserRole',
        data: { userId: ALICE, role: 'admin', actorRole: 'admin' },
        actorId: ADMIN,
        now: NOW,
      })
      .thenThrows(BusinessRuleViolation, 'user-deleted');
  });

  test('evolve follows the status; a log-in changes no state', () => {
    const disabled = fold(userDecider, [registered, statusChanged('disabled')]);
    assert.equal(disabled.status === 'registered' && disabled.accountStatus, 'disabled');
    const loggedIn: UserEvent = { type: 'UserLoggedIn', data: { userId: ALICE } };
    assert.deepEqual(fold(userDecider, [registered, loggedIn]), fold(userDecider, [registered]));
  });
});
