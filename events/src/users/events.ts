import { z } from 'zod';
import { Id } from '../common.js';

export const UserRole = z.enum(['user', 'admin']);
export type UserRole = z.infer<typeof UserRole>;

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
  /** Kept in its own `credentials-<userId>` stream so that it never has to leave the write side. */
  PasswordSet: z.object({ userId: Id, passwordHash: z.string() }),
  /** Reservation streams (`username-<name>`, `email-<address>`) make uniqueness an append condition. */
  UsernameReserved: z.object({ username: z.string(), userId: Id }),
  EmailReserved: z.object({ email: z.string(), userId: Id }),
} as const;
