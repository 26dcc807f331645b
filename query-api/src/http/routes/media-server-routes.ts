import { HttpProblem, problems } from '@meetings/command-service/http';
import type { MeetingsReader } from '../../read/meetings-reader.js';
import { MediaServerLocation } from '../../read/models.js';
import type { MediaServers } from '../../ports/media-servers.js';
import type { RoomCache } from '../../rooms/room-cache.js';
import { MeetingParams, NoQuery } from '../query-params.js';
import { forbidden } from '../pipeline.js';
import { queryRoute } from '../route-spec.js';
import type { QueryRoute } from '../route-spec.js';
import { meetingNotFound } from './meeting-routes.js';

/** Placement is a moment away (a meeting just started, or its node just went): ask again soon. */
const notYet = (type: string, title: string, detail: string) =>
  new HttpProblem(503, type, title, detail, {}, { 'Retry-After': '1' });

/**
 * Where a participant connects for the meeting's media: the SFU node the meeting is placed on
 * (the room cache's `sfu_node_id`) and the URL that node registered in etcd. `servers` is null when
 * this deployment has no registry (no ETCD_ENDPOINTS): one SFU node, whose address clients know.
 */
export function mediaServerRoutes(
  meetings: MeetingsReader,
  rooms: RoomCache,
  servers: MediaServers | null,
): QueryRoute[] {
  return [
    queryRoute({
      operationId: 'getMediaServer',
      path: '/meetings/:meetingId/media-server',
      summary: 'The SFU node to connect to for the meeting’s media',
      description:
        'For present participants of a running meeting. 503 with Retry-After while the meeting is not placed yet or its node was lost and it is being placed again (a client reconnecting after its socket closed with 4412 or 1012 asks here).',
      tag: 'rooms',
      params: MeetingParams,
      query: NoQuery,
      projections: ['room-cache', 'meetings', 'meeting-access'],
      success: { description: 'The node and its signaling URL', schema: MediaServerLocation },
      errors: [403, 404],
      handle: async ({ params: { meetingId }, viewer }) => {
        if ((await meetings.visibleHost(viewer, meetingId)) === null) throw meetingNotFound(meetingId);
        const room = await rooms.get(meetingId);
        if (!room || room.status !== 'live') {
          throw problems.notFound(`meeting ${meetingId} is not running`, 'room-not-found');
        }
        if (!room.participants.some((p) => p.userId === viewer.userId)) {
          throw forbidden(
            'join the meeting first: only present participants get its media',
            'not-a-participant',
          );
        }
        if (!servers) {
          throw new HttpProblem(
            503,
            'no-media-server-registry',
            'No media server registry',
            'this deployment runs no SFU registry (ETCD_ENDPOINTS is not set): connect to its one SFU node',
          );
        }
        const sfuNodeId = await rooms.sfuNodeOf(meetingId);
        if (!sfuNodeId) {
          throw notYet(
            'media-server-not-assigned',
            'Media server not assigned',
            'the meeting is being placed on a media server',
          );
        }
        const server = await servers.locate(sfuNodeId);
        if (!server) {
          throw notYet(
            'media-server-unavailable',
            'Media server unavailable',
            `node ${sfuNodeId} is gone; the meeting is being placed on another one`,
          );
        }
        return { meetingId, sfuNodeId, url: server.url };
      },
    }),
  ];
}
