import { problems } from '@meetings/command-service/http';
import type { ActivityReader } from '../../read/activity-reader.js';
import type { MeetingsReader } from '../../read/meetings-reader.js';
import {
  ChatPage,
  Invitation,
  itemsOf,
  MediaStream,
  MeetingDetail,
  MeetingPage,
  Recording,
} from '../../read/models.js';
import type { Viewer } from '../../read/visibility.js';
import { ChatQuery, MediaStreamQuery, MeetingListQuery, MeetingParams, NoQuery } from '../query-params.js';
import { forbidden } from '../pipeline.js';
import { queryRoute } from '../route-spec.js';
import type { QueryRoute } from '../route-spec.js';

export const meetingNotFound = (meetingId: string) =>
  problems.notFound(`no meeting ${meetingId} that you may see`, 'meeting-not-found');

/** Meetings and what happened in them. A meeting the viewer may not see is a 404, like a missing one. */
export function meetingRoutes(meetings: MeetingsReader, activity: ActivityReader): QueryRoute[] {
  const mustSee = async (viewer: Viewer, meetingId: string) => {
    if (!(await meetings.isVisible(viewer, meetingId))) throw meetingNotFound(meetingId);
  };
  return [
    queryRoute({
      operationId: 'listMeetings',
      path: '/meetings',
      summary: 'Meetings the caller may see (an admin: all), by scheduled start',
      description:
        'Keyset pagination ordered by (scheduledStartAt, id): rows inserted between pages never make an existing row be skipped or repeated.',
      tag: 'meetings',
      query: MeetingListQuery,
      projections: ['meetings', 'meeting-access'],
      success: { description: 'A page of meetings', schema: MeetingPage },
      errors: [],
      handle: ({ query, viewer }) => meetings.list(viewer, 'visible', query),
    }),
    queryRoute({
      operationId: 'listMyMeetings',
      path: '/users/me/meetings',
      summary: 'Meetings the caller hosts, attended or is invited to, by scheduled start',
      tag: 'meetings',
      query: MeetingListQuery,
      projections: ['meetings', 'meeting-access'],
      success: { description: 'A page of meetings', schema: MeetingPage },
      errors: [],
      handle: ({ query, viewer }) => meetings.list(viewer, 'involved', query),
    }),
    queryRoute({
      operationId: 'getMeeting',
      path: '/meetings/:meetingId',
      summary: 'A meeting with its participants',
      tag: 'meetings',
      params: MeetingParams,
      query: NoQuery,
      projections: ['meetings', 'meeting-access'],
      success: {
        description: 'The meeting; `version` (also the ETag) is its stream version, for If-Match on commands',
        schema: MeetingDetail,
      },
      errors: [404],
      etag: (body) => `"${(body as MeetingDetail).version}"`,
      handle: async ({ params, viewer }) => {
        const meeting = await meetings.get(viewer, params.meetingId);
        if (!meeting) throw meetingNotFound(params.meetingId);
        return meeting;
      },
    }),
    queryRoute({
      operationId: 'listInvitations',
      path: '/meetings/:meetingId/invitations',
      summary: 'The invitations in force, in order of inviting (hosts and admins only)',
      tag: 'meetings',
      params: MeetingParams,
      query: NoQuery,
      projections: ['meetings', 'meeting-access'],
      success: { description: 'The invitations', schema: itemsOf(Invitation, 'InvitationList') },
      errors: [403, 404],
      handle: async ({ params, viewer }) => {
        await mustSee(viewer, params.meetingId);
        if (!viewer.isAdmin && !(await meetings.isHost(viewer.userId, params.meetingId))) {
          throw forbidden('only a host of the meeting can list its invitations', 'host-only');
        }
        return { items: await meetings.invitations(params.meetingId) };
      },
    }),
    queryRoute({
      operationId: 'listRecordings',
      path: '/meetings/:meetingId/recordings',
      summary: 'The recordings of a meeting, in order of starting',
      tag: 'meetings',
      params: MeetingParams,
      query: NoQuery,
      projections: ['meetings', 'meeting-access'],
      success: { description: 'The recordings', schema: itemsOf(Recording, 'RecordingList') },
      errors: [404],
      handle: async ({ params, viewer }) => {
        await mustSee(viewer, params.meetingId);
        return { items: await activity.recordings(params.meetingId) };
      },
    }),
    queryRoute({
      operationId: 'listMediaStreams',
      path: '/meetings/:meetingId/media-streams',
      summary: 'The media streams published in a meeting, with their last quality sample',
      tag: 'meetings',
      params: MeetingParams,
      query: MediaStreamQuery,
      projections: ['meetings', 'meeting-access', 'media-streams'],
      success: { description: 'The media streams', schema: itemsOf(MediaStream, 'MediaStreamList') },
      errors: [404],
      handle: async ({ params, query, viewer }) => {
        await mustSee(viewer, params.meetingId);
        return { items: await activity.mediaStreams(params.meetingId, query.status) };
      },
    }),
    queryRoute({
      operationId: 'listChatMessages',
      path: '/meetings/:meetingId/chat-messages',
      summary: 'The chat of a meeting, in order of sending',
      description:
        'A private message is listed only for its sender and recipient (and admins); a user banned from the meeting reads nothing sent after the ban. Keyset pagination ordered by (sentAt, id).',
      tag: 'meetings',
      params: MeetingParams,
      query: ChatQuery,
      projections: ['meetings', 'chat', 'meeting-access'],
      success: { description: 'A page of chat messages', schema: ChatPage },
      errors: [404],
      handle: async ({ params, query, viewer }) => {
        await mustSee(viewer, params.meetingId);
        return activity.chat(viewer, params.meetingId, query);
      },
    }),
  ];
}
