import type { DomainEventOf, UserRole, UserStatus } from '@meetings/events';

/**
 * The events of a `user-<userId>` stream. The password hash (`credentials-<userId>`) and the
 * username/email reservations live in streams of their own, so this decider never sees them.
 */
export type UserEvent = DomainEventOf<
  | 'UserRegistered'
  | 'UserProfileUpdated'
  | 'UserRoleChanged'
  | 'UserLoggedIn'
  | 'UserStatusChanged'
  | 'UserDeleted'
>;

export interface NoUser {
  readonly status: 'none';
}

export interface User {
  readonly status: 'registered';
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  readonly displayName: string;
  readonly avatarUrl: string | null;
  readonly role: UserRole;
  /** Whether the account may log in (an admin disables and re-enables it). */
  readonly accountStatus: UserStatus;
}

/** A deleted account keeps nothing personal, not even in the write side's memory. */
export interface DeletedUser {
  readonly status: 'deleted';
  readonly userId: string;
}

export type UserState = NoUser | User | DeletedUser;

export const initialUserState = (): UserState => ({ status: 'none' });
