import type { DomainEventOf, UserRole } from '@meetings/events';

/**
 * The events of a `user-<userId>` stream. The password hash (`credentials-<userId>`) and the
 * username/email reservations live in streams of their own, so this decider never sees them.
 */
export type UserEvent = DomainEventOf<'UserRegistered' | 'UserProfileUpdated' | 'UserRoleChanged'>;

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
}

export type UserState = NoUser | User;

export const initialUserState = (): UserState => ({ status: 'none' });
