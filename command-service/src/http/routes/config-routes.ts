import { ConfigKey, SetSystemConfigBody, streams } from '@meetings/events';
import { z } from 'zod';
import type { CommandHandler } from '../../application/command-handler.js';
import { systemConfigDecider } from '../../domain/index.js';
import { route } from '../route-spec.js';
import type { RouteSpec } from '../route-spec.js';
import { answer, CommandAnswer } from './command-answer.js';

const KeyParams = z.object({ key: ConfigKey });

/** The system configuration (`system_configs`, mirrored into etcd): admins only, one stream per key. */
export function configRoutes(commands: CommandHandler): RouteSpec[] {
  return [
    route({
      operationId: 'setSystemConfig',
      method: 'put',
      path: '/configs/:key',
      summary: 'Create or replace a configuration key (admins only; public keys are readable by every user)',
      tag: 'configuration',
      auth: true,
      ifMatch: true,
      params: KeyParams,
      body: SetSystemConfigBody,
      success: { status: 200, description: 'Set (or already so)', schema: CommandAnswer },
      errors: [403, 412],
      handle: async ({ params, body, ctx, session, expectedVersion }) => {
        const outcome = await commands.handle(
          systemConfigDecider,
          streams.config(params.key),
          {
            type: 'SetSystemConfig',
            data: { key: params.key, actorRole: session!.role, ...body },
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
      operationId: 'deleteSystemConfig',
      method: 'delete',
      path: '/configs/:key',
      summary: 'Delete a configuration key (admins only)',
      tag: 'configuration',
      auth: true,
      ifMatch: true,
      params: KeyParams,
      success: { status: 200, description: 'Deleted (or already so)', schema: CommandAnswer },
      errors: [403, 404, 412],
      handle: async ({ params, ctx, session, expectedVersion }) => {
        const outcome = await commands.handle(
          systemConfigDecider,
          streams.config(params.key),
          {
            type: 'DeleteSystemConfig',
            data: { key: params.key, actorRole: session!.role },
            actorId: session!.userId,
            now: ctx.now,
          },
          ctx,
          expectedVersion === undefined ? {} : { expectedVersion },
        );
        return answer(outcome);
      },
    }),
  ];
}
