import type { EventData } from '@meetings/events';
import type { Decider } from '../decider.js';
import { AlreadyExists, NotPermitted } from '../errors.js';
import type { ChangeUserRole, RegisterUser, UpdateProfile, UserCommand } from './commands.js';
import { deleteUser, liveUser, recordLogIn, setUserStatus } from './decide-account.js';
import type { UserEvent, UserState } from './state.js';
import { initialUserState } from './state.js';

export function decide(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'RegisterUser':
      return registerUser(command, state);
    case 'UpdateProfile':
      return updateProfile(command, state);
    case 'ChangeUserRole':
      return changeUserRole(command, state);
    case 'RecordLogIn':
      return recordLogIn(command, state);
    case 'SetUserStatus':
      return setUserStatus(command, state);
    case 'DeleteUser':
      return deleteUser(command, state);
  }
}

/**
 * Only an admin (or ops, for the first admin) changes roles, and never their own: the last admin
 * cannot lock everyone out by accident. Granting the role a user has is a no-op.
 */
function changeUserRole(command: ChangeUserRole, state: UserState): UserEvent[] {
  const { userId, role, actorRole } = command.data;
  if (actorRole === 'user') throw new NotPermitted('admin-only', 'Only an admin can change roles.');
  if (actorRole === 'admin' && command.actorId === userId) {
    throw new NotPermitted('cannot-change-own-role', 'You cannot change your own role.');
  }
  if (liveUser(state).role === role) return [];
  return [
    {
      type: 'UserRoleChanged',
      data: { userId, role, changedBy: actorRole === 'system' ? null : command.actorId },
    },
  ];
}

/** Every self-registered account starts as a plain user; admins are made elsewhere. */
function registerUser(command: RegisterUser, state: UserState): UserEvent[] {
  if (state.status !== 'none') throw new AlreadyExists('user-exists', 'This user is already registered.');
  const { userId, username, email } = command.data;
  return [
    {
      type: 'UserRegistered',
      data: { userId, username, email, displayName: command.data.displayName ?? username, role: 'user' },
    },
  ];
}

/**
 * The self check comes before the existence check so that a caller cannot probe which user ids
 * exist. Only changed fields are emitted, and nothing when none changes, so retries are harmless.
 */
function updateProfile(command: UpdateProfile, state: UserState): UserEvent[] {
  const { userId, displayName, avatarUrl } = command.data;
  if (command.actorId !== userId) {
    throw new NotPermitted('self-only', 'You can only update your own profile.');
  }
  const user = liveUser(state);
  const changes: EventData<'UserProfileUpdated'> = { userId };
  if (displayName !== undefined && displayName !== user.displayName) changes.displayName = displayName;
  if (avatarUrl !== undefined && avatarUrl !== user.avatarUrl) changes.avatarUrl = avatarUrl;
  return Object.keys(changes).length > 1 ? [{ type: 'UserProfileUpdated', data: changes }] : [];
}

export function evolve(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserRegistered':
      return { status: 'registered', ...event.data, avatarUrl: null, accountStatus: 'active' };
    case 'UserProfileUpdated': {
      if (state.status !== 'registered') return state; // nothing to update; decide never emits this
      const { displayName, avatarUrl } = event.data;
      return {
        ...state,
        ...(displayName !== undefined && { displayName }),
        ...(avatarUrl !== undefined && { avatarUrl }),
      };
    }
    case 'UserRoleChanged':
      return state.status === 'registered' ? { ...state, role: event.data.role } : state;
    case 'UserLoggedIn':
      return state;
    case 'UserStatusChanged':
      return state.status === 'registered' ? { ...state, accountStatus: event.data.status } : state;
    case 'UserDeleted':
      return { status: 'deleted', userId: event.data.userId };
  }
}

/** The `user-<userId>` stream's decider. */
export const userDecider: Decider<UserCommand, UserState, UserEvent> = {
  initialState: initialUserState,
  decide,
  evolve,
};
