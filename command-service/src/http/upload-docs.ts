import { Id } from '@meetings/events';
import { z } from 'zod';
import { CommandAnswer } from './routes/command-answer.js';

/**
 * The OpenAPI description of the upload endpoints (upload-routes.ts): their body is the file
 * itself, not JSON, so they are not RouteSpecs; documented here beside the same statuses they answer.
 */
export interface UploadRouteDoc {
  method: 'put' | 'post';
  /** OpenAPI form, `{param}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The request body's media types (binary). */
  mediaTypes: readonly string[];
  success: { status: number; description: string; schema: z.ZodType };
  errors: readonly number[];
}

export const UPLOAD_ROUTE_DOCS: readonly UploadRouteDoc[] = [
  {
    method: 'put',
    path: '/users/me/avatar',
    operationId: 'uploadMyAvatar',
    summary:
      'Upload your avatar (JPEG, PNG or WebP, judged from the bytes; at most AVATAR_MAX_BYTES). Stored at media/avatars/user_<id>.jpg; users.avatar_url follows.',
    tag: 'Files',
    mediaTypes: ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'],
    success: {
      status: 200,
      description: 'Stored; the profile names it',
      schema: CommandAnswer.extend({
        avatarUrl: z.string(),
        contentType: z.string(),
        sizeBytes: z.number().int(),
      }),
    },
    errors: [400, 401, 413, 415, 429, 503],
  },
  {
    method: 'post',
    path: '/meetings/{meetingId}/documents',
    operationId: 'attachMeetingDocument',
    summary:
      'Attach a document to a meeting (hosts and present participants; at most DOCUMENT_MAX_BYTES). Stored at media/documents/meeting_<id>_<name>.',
    tag: 'Files',
    params: z.object({ meetingId: Id }),
    query: z.object({ name: z.string().min(1).max(255).describe('the file name, without a path') }),
    mediaTypes: ['application/octet-stream', '*/*'],
    success: {
      status: 201,
      description: 'Stored and attached',
      schema: CommandAnswer.extend({
        documentId: Id,
        name: z.string(),
        sizeBytes: z.number().int(),
        contentType: z.string(),
      }),
    },
    errors: [400, 401, 403, 404, 409, 413, 415, 429, 503],
  },
];
