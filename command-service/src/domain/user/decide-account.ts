import { AggregateNotFound, BusinessRuleViolation, NotPermitted } from '../errors.js';
import type { DeleteUser, RecordLogIn, SetUserStatus } from './commands.js';
import type { User, UserEvent, UserState } from './state.js';

/** The live account a command acts on: a missing one is not found, a deleted one is gone for good. */
export function liveUser(state: UserState): User {
  if (state.status === 'none') throw new AggregateNotFound('user-not-found', 'This user does not exist.');
  if (state.status === 'deleted')
    throw new BusinessRuleViolation('user-deleted', 'This account was deleted.');
  return state;
}

/**
 * The password has checked; a disabled account is refused only now, so the refusal tells nothing
 * to whoever does not know the password. Recorded on the user stream, a log-in that read the user
 * before a disable loses the append race and is decided again, against the disabled account.
 */
export function recordLogIn(command: RecordLogIn, state: UserState): UserEvent[] {
  const user = liveUser(state);
  if (user.accountStatus === 'disabled') {
    throw new NotPermitted('account-disabled', 'This account is disabled; ask an admin to enable it.');
  }
  return [{ type: 'UserLoggedIn', data: { userId: user.userId } }];
}

/**
 * Only an admin disables or enables accounts, never their own (an admin cannot lock themselves
 * out by accident). Setting the status the account has is a no-op, so retries are harmless.
 */
export function setUserStatus(command: SetUserStatus, state: UserState): UserEvent[] {
  const { userId, status, actorRole } = command.data;
  if (actorRole !== 'admin')
    throw new NotPermitted('admin-only', 'Only an admin can disable or enable accounts.');
  if (command.actorId === userId) {
    throw new NotPermitted('cannot-change-own-status', 'You cannot disable or enable your own account.');
  }
  const user = liveUser(state);
  if (user.accountStatus === status) return [];
  return [{ type: 'UserStatusChanged', data: { userId, status, changedBy: command.actorId } }];
}

/** Only the user themselves deletes their account. Deleting it again changes nothing (a retry). */
export function deleteUser(command: DeleteUser, state: UserState): UserEvent[] {
  const { userId } = command.data;
  if (command.actorId !== userId)
    throw new NotPermitted('self-only', 'You can only delete your own account.');
  if (state.status === 'deleted') return [];
  liveUser(state);
  return [{ type: 'UserDeleted', data: { userId, deletedBy: command.actorId } }];
}
