import { HttpProblem, problems, storageNotConfigured } from '@meetings/command-service/http';
import { avatarKey } from '@meetings/storage';
import type { ObjectStore } from '@meetings/storage';
import { z } from 'zod';
import { DownloadLink, MeetingDocument } from '../../read/files-reader.js';
import type { FilesReader } from '../../read/files-reader.js';
import { itemsOf } from '../../read/models.js';
import type { MeetingsReader } from '../../read/meetings-reader.js';
import { MeetingParams, NoQuery, Uuid } from '../query-params.js';
import { forbidden } from '../pipeline.js';
import { queryRoute } from '../route-spec.js';
import type { QueryRoute } from '../route-spec.js';
import { meetingNotFound } from './meeting-routes.js';

export interface FileRoutesDeps {
  meetings: MeetingsReader;
  files: FilesReader;
  /** null: no S3_ENDPOINT; downloads answer 503 storage-not-configured. */
  store: ObjectStore | null;
  presignedUrlTtlSeconds: number;
}

/** The `avatar_url` an uploaded avatar gets (command-service's uploadedAvatarUrl). */
const uploadedAvatarUrl = (userId: string) => `/users/${userId}/avatar`;

/**
 * Files: the documents of a meeting and presigned download URLs for documents, recordings and
 * avatars. A URL is answered as JSON `{url, expiresAt}` (not a redirect): a browser cannot follow a
 * redirect with the Authorization header these endpoints need, and the client decides how to use it.
 */
export function fileRoutes(deps: FileRoutesDeps): QueryRoute[] {
  const { meetings, files } = deps;
  const link = async (key: string, downloadName?: string): Promise<DownloadLink> => {
    if (!deps.store) throw storageNotConfigured();
    const expiresAt = new Date(Date.now() + deps.presignedUrlTtlSeconds * 1000);
    const url = await deps.store.presignedGetUrl(key, deps.presignedUrlTtlSeconds, downloadName);
    return { url, expiresAt: expiresAt.toISOString() };
  };
  return [
    queryRoute({
      operationId: 'listMeetingDocuments',
      path: '/meetings/:meetingId/documents',
      summary: 'The documents attached to a meeting, oldest first (whoever may see the meeting)',
      tag: 'files',
      params: MeetingParams,
      query: NoQuery,
      projections: ['meetings', 'meeting-access', 'meeting-documents'],
      success: { description: 'The documents', schema: itemsOf(MeetingDocument, 'MeetingDocumentList') },
      errors: [404],
      handle: async ({ params, viewer }) => {
        if (!(await meetings.isVisible(viewer, params.meetingId))) throw meetingNotFound(params.meetingId);
        return { items: await files.documentsOf(params.meetingId) };
      },
    }),
    queryRoute({
      operationId: 'downloadMeetingDocument',
      path: '/meetings/:meetingId/documents/:documentId/download',
      summary: 'A presigned URL downloading a document as an attachment under its name',
      tag: 'files',
      params: MeetingParams.extend({ documentId: Uuid }),
      query: NoQuery,
      projections: ['meetings', 'meeting-access', 'meeting-documents'],
      success: { description: 'Where to download it, until when', schema: DownloadLink },
      errors: [404, 503],
      handle: async ({ params, viewer }) => {
        if (!(await meetings.isVisible(viewer, params.meetingId))) throw meetingNotFound(params.meetingId);
        const document = await files.document(params.meetingId, params.documentId);
        if (!document) {
          throw problems.notFound(`no document ${params.documentId} in this meeting`, 'document-not-found');
        }
        return link(document.storageKey, document.name);
      },
    }),
    queryRoute({
      operationId: 'downloadMeetingRecording',
      path: '/meetings/:meetingId/recordings/:recordingId/download',
      summary: 'A presigned URL downloading a completed recording (its host and those who attended)',
      tag: 'files',
      params: MeetingParams.extend({ recordingId: Uuid }),
      query: NoQuery,
      projections: ['meetings', 'meeting-access'],
      success: { description: 'Where to download it, until when', schema: DownloadLink },
      errors: [403, 404, 409, 503],
      handle: async ({ params, viewer }) => {
        if (!(await meetings.isVisible(viewer, params.meetingId))) throw meetingNotFound(params.meetingId);
        if (!(await files.mayDownloadRecordings(viewer, params.meetingId))) {
          throw forbidden('only the host and those who attended may download recordings', 'attendees-only');
        }
        const recording = await files.recording(params.meetingId, params.recordingId);
        if (!recording) {
          throw problems.notFound(
            `no recording ${params.recordingId} in this meeting`,
            'recording-not-found',
          );
        }
        if (recording.status !== 'completed' || !recording.filePath) {
          throw new HttpProblem(
            409,
            'business-rule-violated',
            'Business rule violated',
            `the recording is ${recording.status}: only a completed recording has a file`,
            { rule: 'recording-not-completed' },
          );
        }
        return link(recording.filePath, recording.filePath.slice(recording.filePath.lastIndexOf('/') + 1));
      },
    }),
    queryRoute({
      operationId: 'getUserAvatar',
      path: '/users/:userId/avatar',
      summary: 'A presigned URL of a user’s uploaded avatar (any signed-in user)',
      tag: 'files',
      params: z.object({ userId: Uuid }),
      query: NoQuery,
      projections: ['users'],
      success: { description: 'Where to fetch it, until when', schema: DownloadLink },
      errors: [404, 503],
      handle: async ({ params }) => {
        // An external avatar (an absolute URL set with PATCH /users/me) is in users.avatarUrl itself.
        if ((await files.avatarUrlOf(params.userId)) !== uploadedAvatarUrl(params.userId)) {
          throw problems.notFound(`user ${params.userId} has no uploaded avatar`, 'avatar-not-found');
        }
        return link(avatarKey(params.userId));
      },
    }),
  ];
}
