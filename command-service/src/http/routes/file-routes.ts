import { Id } from '@meetings/events';
import { z } from 'zod';
import type { Avatars } from '../../application/files/avatars.js';
import type { MeetingDocuments } from '../../application/files/meeting-documents.js';
import { route } from '../route-spec.js';
import type { RouteSpec } from '../route-spec.js';
import { answer, CommandAnswer } from './command-answer.js';

/**
 * The file commands without a body (uploads are raw bodies: see upload-routes.ts). With no object
 * storage they still run their command (nothing can have been stored, so there is no object).
 */
export function fileRoutes(avatars: Avatars, documents: MeetingDocuments): RouteSpec[] {
  return [
    route({
      operationId: 'deleteMyAvatar',
      method: 'delete',
      path: '/users/me/avatar',
      summary: 'Remove your avatar (the uploaded object too)',
      tag: 'files',
      auth: true,
      ifMatch: true,
      success: { status: 200, description: 'Removed (or there was none)', schema: CommandAnswer },
      errors: [412],
      handle: async ({ ctx, session, expectedVersion }) => {
        return answer(await avatars.remove(session!.userId, ctx, expectedVersion));
      },
    }),
    route({
      operationId: 'removeMeetingDocument',
      method: 'delete',
      path: '/meetings/:meetingId/documents/:documentId',
      summary: 'Remove a document from a meeting (hosts only); its object is deleted',
      tag: 'files',
      auth: true,
      ifMatch: true,
      params: z.object({ meetingId: Id, documentId: Id }),
      success: { status: 200, description: 'Removed', schema: CommandAnswer },
      errors: [403, 404, 409, 412],
      handle: async ({ params, ctx, expectedVersion }) => {
        const outcome = await documents.remove(
          params.meetingId,
          params.documentId,
          ctx,
          expectedVersion === undefined ? {} : { expectedVersion },
        );
        return answer(outcome);
      },
    }),
  ];
}
