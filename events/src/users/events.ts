import { z } from 'zod';
import { Id } from '../common.js';

export const UserRole = z.enum(['user', 'admin']);
export type UserRole = z.infer<typeof UserRole>;

export const UserStatus = z.enum(['active', 'disabled']);
export type UserStatus = z.infer<typeof UserStatus>;

export const userEventSchemas = {
  UserRegistered: z.object({
    userId: Id,
    username: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: UserRole,
  }),
  UserProfileUpdated: z.object({
    userId: Id,
    displayName: z.string().optional(),
    avatarUrl: z.string().nullable().optional(),
  }),
  /** `changedBy` is null when ops granted the role from the command line (bootstrap of the first admin). */
  UserRoleChanged: z.object({ userId: Id, role: UserRole, changedBy: Id.nullable() }),
  /**
   * A successful log-in (it stamps `users.last_login_at`). Appended to the user stream, so a log-in
   * that raced a disable or a deletion loses on the stream's expected version and is refused.
   */
  UserLoggedIn: z.object({ userId: Id }),
  /** An admin disabled or re-enabled the account; a disabled user cannot log in and holds no session. */
  UserStatusChanged: z.object({ userId: Id, status: UserStatus, changedBy: Id }),
  /**
   * The account is gone for good: its sessions end, its personal-data key is destroyed (see
   * personal-data/personal-fields.ts) and the read models show erased values from then on.
   */
  UserDeleted: z.object({ userId: Id, deletedBy: Id }),
  /** Kept in its own `credentials-<userId>` stream so that it never has to leave the write side. */
  PasswordSet: z.object({ userId: Id, passwordHash: z.string() }),
  /**
   * Reservation streams (`username-<digest>`, `email-<digest>`: a keyed HMAC of the lowercased name,
   * see command-service's blind index) make uniqueness an append condition.
   */
  UsernameReserved: z.object({ username: z.string(), userId: Id }),
  EmailReserved: z.object({ email: z.string(), userId: Id }),
} as const;
