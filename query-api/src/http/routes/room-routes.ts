import { problems } from '@meetings/command-service/http';
import type { MeetingsReader } from '../../read/meetings-reader.js';
import { Room } from '../../read/models.js';
import type { RoomCache } from '../../rooms/room-cache.js';
import { roomFor } from '../../rooms/room-view.js';
import { MeetingParams, NoQuery } from '../query-params.js';
import { queryRoute } from '../route-spec.js';
import type { QueryRoute } from '../route-spec.js';
import { meetingNotFound } from './meeting-routes.js';

export function roomRoutes(meetings: MeetingsReader, rooms: RoomCache): QueryRoute[] {
  return [
    queryRoute({
      operationId: 'getRoom',
      path: '/rooms/:meetingId',
      summary: 'The live room of a meeting (from the Redis room cache)',
      description:
        'Visible as the meeting is; the lobby only to hosts and admins. `minPosition` waits for the room cache and for the meetings table its visibility comes from.',
      tag: 'rooms',
      params: MeetingParams,
      query: NoQuery,
      projections: ['room-cache', 'meetings', 'meeting-access'],
      success: { description: 'The room', schema: Room },
      errors: [404],
      handle: async ({ params, viewer }) => {
        const hostId = await meetings.visibleHost(viewer, params.meetingId);
        if (hostId === null) throw meetingNotFound(params.meetingId);
        const room = roomFor(viewer, hostId, await rooms.get(params.meetingId));
        if (!room) throw problems.notFound(`meeting ${params.meetingId} has no live room`, 'room-not-found');
        return room;
      },
    }),
  ];
}
