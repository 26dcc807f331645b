import { z } from 'zod';
import { UserStatus } from './events.js';

const Username = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[a-zA-Z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only');

export const RegisterUserBody = z
  .object({
    username: Username,
    email: z.string().email().max(254),
    password: z.string().min(8).max(256),
    displayName: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
export type RegisterUserBody = z.infer<typeof RegisterUserBody>;

export const LogInBody = z
  .object({ username: z.string().min(1).max(254), password: z.string().min(1).max(256) })
  .strict();
export type LogInBody = z.infer<typeof LogInBody>;

export const UpdateProfileBody = z
  .object({
    displayName: z.string().trim().min(1).max(100).optional(),
    avatarUrl: z.string().url().max(2048).nullable().optional(),
  })
  .strict()
  .refine((b) => b.displayName !== undefined || b.avatarUrl !== undefined, 'at least one field is required');
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;

export const ChangeUserRoleBody = z.object({ role: z.enum(['user', 'admin']) }).strict();
export type ChangeUserRoleBody = z.infer<typeof ChangeUserRoleBody>;

export const SetUserStatusBody = z.object({ status: UserStatus }).strict();
export type SetUserStatusBody = z.infer<typeof SetUserStatusBody>;

/** Deleting your account asks for your password again: a session left open must not be enough. */
export const DeleteAccountBody = z.object({ password: z.string().min(1).max(256) }).strict();
export type DeleteAccountBody = z.infer<typeof DeleteAccountBody>;
