import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fold } from '../decider.js';
import { AggregateNotFound, AlreadyExists, NotPermitted } from '../errors.js';
import { deciderSpec } from '../testing/decider-spec.js';
import type { RegisterUser, UpdateProfile } from './commands.js';
import { userDecider } from './decider.js';
import type { UserEvent } from './state.js';

const ALICE = '00000000-0000-4000-8000-000000000003';
const BOB = '00000000-0000-4000-8000-000000000004';
const NOW = new Date('2030-01-01T08:00:00.000Z');
const AVATAR = 'https://cdn.example.com/alice.png';

const spec = deciderSpec(userDecider);

const register = (data: Partial<RegisterUser['data']> = {}): RegisterUser => ({
  type: 'RegisterUser',
  data: { userId: ALICE, username: 'alice', email: 'alice@example.com', ...data },
  actorId: ALICE,
  now: NOW,
});
const update = (data: Omit<UpdateProfile['data'], 'userId'>, actorId = ALICE): UpdateProfile => ({
  type: 'UpdateProfile',
  data: { userId: ALICE, ...data },
  actorId,
  now: NOW,
});
const registered = (displayName = 'alice'): UserEvent => ({
  type: 'UserRegistered',
  data: { userId: ALICE, username: 'alice', email: 'alice@example.com', displayName, role: 'user' },
});
const updated = (
  data: Omit<Extract<UserEvent, { type: 'UserProfileUpdated' }>['data'], 'userId'>,
): UserEvent => ({
  type: 'UserProfileUpdated',
  data: { userId: ALICE, ...data },
});

describe('RegisterUser', () => {
  test('registers a plain user whose display name defaults to the username', () => {
    spec.given([]).when(register()).then([registered()]);
  });

  test('keeps a given display name', () => {
    spec
      .given([])
      .when(register({ displayName: 'Alice A.' }))
      .then([registered('Alice A.')]);
  });

  test('refuses a user id that is already registered', () => {
    spec.given([registered()]).when(register()).thenThrows(AlreadyExists, 'user-exists');
  });
});

describe('UpdateProfile', () => {
  test('a user updates their own profile, emitting only what changes', () => {
    spec
      .given([registered()])
      .when(update({ displayName: 'alice', avatarUrl: AVATAR }))
      .then([updated({ avatarUrl: AVATAR })]);
    spec
      .given([registered()])
      .when(update({ displayName: 'Alice A.' }))
      .then([updated({ displayName: 'Alice A.' })]);
  });

  test('an avatar can be cleared', () => {
    spec
      .given([registered(), updated({ avatarUrl: AVATAR })])
      .when(update({ avatarUrl: null }))
      .then([updated({ avatarUrl: null })]);
  });

  test('nothing changes, nothing is emitted', () => {
    spec
      .given([registered(), updated({ avatarUrl: AVATAR })])
      .when(update({ displayName: 'alice', avatarUrl: AVATAR }))
      .thenNothing();
  });

  test('only the user themselves may update it', () => {
    spec
      .given([registered()])
      .when(update({ displayName: 'Mallory' }, BOB))
      .thenThrows(NotPermitted, 'self-only');
  });

  test('the user must exist', () => {
    spec
      .given([])
      .when(update({ displayName: 'Alice' }))
      .thenThrows(AggregateNotFound, 'user-not-found');
  });
});

describe('evolve', () => {
  test('builds the profile from the history', () => {
    const state = fold(userDecider, [registered(), updated({ displayName: 'Alice A.', avatarUrl: AVATAR })]);
    assert.deepEqual(state, {
      status: 'registered',
      userId: ALICE,
      username: 'alice',
      email: 'alice@example.com',
      displayName: 'Alice A.',
      avatarUrl: AVATAR,
      role: 'user',
      accountStatus: 'active',
    });
  });
});

describe('ChangeUserRole', () => {
  const change = (role: 'user' | 'admin', actorRole: 'user' | 'admin' | 'system', actorId = BOB) => ({
    type: 'ChangeUserRole' as const,
    data: { userId: ALICE, role, actorRole },
    actorId,
    now: NOW,
  });
  const promoted = (changedBy: string | null): UserEvent => ({
    type: 'UserRoleChanged',
    data: { userId: ALICE, role: 'admin', changedBy },
  });

  test('an admin promotes a user, naming themselves', () => {
    spec
      .given([registered()])
      .when(change('admin', 'admin'))
      .then([promoted(BOB)]);
  });

  test('ops at the command line grant the first admin, as nobody', () => {
    spec
      .given([registered()])
      .when(change('admin', 'system', 'ops'))
      .then([promoted(null)]);
  });

  test('a plain user cannot change roles', () => {
    spec.given([registered()]).when(change('admin', 'user')).thenThrows(NotPermitted, 'admin-only');
  });

  test('an admin cannot change their own role', () => {
    spec
      .given([registered(), promoted(null)])
      .when(change('user', 'admin', ALICE))
      .thenThrows(NotPermitted, 'cannot-change-own-role');
  });

  test('an unknown user is not found; granting the current role is a no-op', () => {
    spec.given([]).when(change('admin', 'admin')).thenThrows(AggregateNotFound, 'user-not-found');
    spec
      .given([registered(), promoted(BOB)])
      .when(change('admin', 'admin'))
      .then([]);
  });

  test('evolve applies the new role', () => {
    const state = fold(userDecider, [registered(), promoted(BOB)]);
    assert.equal(state.status === 'registered' && state.role, 'admin');
  });
});
