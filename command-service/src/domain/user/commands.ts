import type { UpdateProfileBody, UserRole, UserStatus } from '@meetings/events';
import type { DomainCommand } from '../decider.js';

/**
 * Registration is anonymous, so its `actorId` carries no authority and is not checked. The
 * password is hashed and stored by the caller in the credentials stream, never here.
 */
export type RegisterUser = DomainCommand<
  'RegisterUser',
  { userId: string; username: string; email: string; displayName?: string | undefined }
>;
export type UpdateProfile = DomainCommand<'UpdateProfile', { userId: string } & UpdateProfileBody>;

/**
 * `actorRole` is the caller's role from its session ('system' for ops at the command line): the
 * target's stream cannot know who is an admin.
 */
export type ChangeUserRole = DomainCommand<
  'ChangeUserRole',
  { userId: string; role: UserRole; actorRole: UserRole | 'system' }
>;

/** Issued by the log-in once the password checked: the user themselves, anonymous until then. */
export type RecordLogIn = DomainCommand<'RecordLogIn', { userId: string }>;

export type SetUserStatus = DomainCommand<
  'SetUserStatus',
  { userId: string; status: UserStatus; actorRole: UserRole }
>;

/** The password was re-confirmed by the caller before this command is issued. */
export type DeleteUser = DomainCommand<'DeleteUser', { userId: string }>;

export type UserCommand =
  RegisterUser | UpdateProfile | ChangeUserRole | RecordLogIn | SetUserStatus | DeleteUser;
