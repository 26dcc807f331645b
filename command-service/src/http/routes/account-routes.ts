import {
  ChangeUserRoleBody,
  DeleteAccountBody,
  Id,
  LogInBody,
  RegisterUserBody,
  SetUserStatusBody,
  streams,
  UpdateProfileBody,
} from '@meetings/events';
import { z } from 'zod';
import type { AccountLifecycle } from '../../application/account-lifecycle.js';
import type { AccountService } from '../../application/account-service.js';
import type { CommandHandler } from '../../application/command-handler.js';
import { userDecider } from '../../domain/index.js';
import { route } from '../route-spec.js';
import type { RouteSpec } from '../route-spec.js';
import { answer, CommandAnswer } from './command-answer.js';

const NoBody = z.object({}).strict();

export function accountRoutes(
  accounts: AccountService,
  lifecycle: AccountLifecycle,
  commands: CommandHandler,
): RouteSpec[] {
  return [
    route({
      operationId: 'registerUser',
      method: 'post',
      path: '/users',
      summary: 'Register a user account',
      tag: 'accounts',
      auth: false,
      ifMatch: false,
      body: RegisterUserBody,
      success: { status: 201, description: 'Registered', schema: CommandAnswer.extend({ userId: Id }) },
      errors: [409],
      handle: async ({ body, ctx }) => {
        const outcome = await accounts.register(body, ctx);
        return answer(outcome, 201, { userId: outcome.userId }, `/users/${outcome.userId}`);
      },
    }),
    route({
      operationId: 'updateMyProfile',
      method: 'patch',
      path: '/users/me',
      summary: 'Change your display name or avatar',
      tag: 'accounts',
      auth: true,
      ifMatch: true,
      body: UpdateProfileBody,
      success: { status: 200, description: 'Updated', schema: CommandAnswer },
      errors: [412],
      handle: async ({ body, ctx, session, expectedVersion }) => {
        const userId = session!.userId;
        const outcome = await commands.handle(
          userDecider,
          streams.user(userId),
          { type: 'UpdateProfile', data: { userId, ...body }, actorId: userId, now: ctx.now },
          ctx,
          expectedVersion === undefined ? {} : { expectedVersion },
        );
        return answer(outcome);
      },
    }),
    route({
      operationId: 'changeUserRole',
      method: 'put',
      path: '/users/:userId/role',
      summary:
        'Make a user an admin or a plain user (admins only; applies to the sessions they hold at once)',
      tag: 'accounts',
      auth: true,
      ifMatch: true,
      params: z.object({ userId: Id }),
      body: ChangeUserRoleBody,
      success: { status: 200, description: 'Changed (or already so)', schema: CommandAnswer },
      errors: [403, 404, 412],
      handle: async ({ params, body, ctx, session, expectedVersion }) => {
        const outcome = await commands.handle(
          userDecider,
          streams.user(params.userId),
          {
            type: 'ChangeUserRole',
            data: { userId: params.userId, role: body.role, actorRole: session!.role },
            actorId: session!.userId,
            now: ctx.now,
          },
          ctx,
          expectedVersion === undefined ? {} : { expectedVersion },
        );
        return answer(outcome);
      },
    }),
    route({
      operationId: 'setUserStatus',
      method: 'put',
      path: '/users/:userId/status',
      summary:
        'Disable or re-enable a user (admins only, not themselves; a disabled user’s sessions end at once)',
      tag: 'accounts',
      auth: true,
      ifMatch: true,
      params: z.object({ userId: Id }),
      body: SetUserStatusBody,
      success: { status: 200, description: 'Changed (or already so)', schema: CommandAnswer },
      errors: [403, 404, 409, 412],
      handle: async ({ params, body, ctx, session, expectedVersion }) => {
        const outcome = await lifecycle.setStatus(
          params.userId,
          body.status,
          session!,
          ctx,
          expectedVersion === undefined ? {} : { expectedVersion },
        );
        return answer(outcome);
      },
    }),
    route({
      operationId: 'deleteMyAccount',
      method: 'delete',
      path: '/users/me',
      summary:
        'Delete your account (password required): sessions end at once, personal data is erased for good',
      tag: 'accounts',
      auth: true,
      ifMatch: true,
      body: DeleteAccountBody,
      success: { status: 200, description: 'Deleted (or already so)', schema: CommandAnswer },
      errors: [403, 412],
      handle: async ({ body, ctx, session, expectedVersion }) => {
        const outcome = await lifecycle.deleteAccount(
          session!.userId,
          body.password,
          ctx,
          expectedVersion === undefined ? {} : { expectedVersion },
        );
        return answer(outcome);
      },
    }),
    route({
      operationId: 'logIn',
      method: 'post',
      path: '/sessions',
      summary: 'Log in: exchange username and password for a bearer token (valid 1 h, refreshed on use)',
      tag: 'accounts',
      auth: false,
      ifMatch: false,
      idempotent: false,
      body: LogInBody,
      success: {
        status: 201,
        description: 'Logged in',
        schema: z.object({
          token: z.string(),
          tokenType: z.literal('Bearer'),
          expiresIn: z.number().int().describe('seconds of inactivity before the token expires'),
          userId: Id,
        }),
      },
      errors: [401, 403, 429],
      handle: async ({ body, client, ctx }) => {
        const { token, expiresInSeconds, userId } = await accounts.logIn(body, client, ctx);
        return { status: 201, body: { token, tokenType: 'Bearer', expiresIn: expiresInSeconds, userId } };
      },
    }),
    route({
      operationId: 'logOut',
      method: 'delete',
      path: '/sessions/current',
      summary: 'Log out: revoke the bearer token of this request',
      tag: 'accounts',
      auth: true,
      ifMatch: false,
      idempotent: false,
      body: NoBody,
      success: { status: 204, description: 'Logged out' },
      errors: [],
      handle: async ({ token }) => {
        await accounts.logOut(token!);
        return { status: 204 };
      },
    }),
  ];
}
