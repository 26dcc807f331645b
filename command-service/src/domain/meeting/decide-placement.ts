import type { PlaceMeetingOnSfuNode } from './commands.js';
import { requireStatus } from './rules.js';
import type { Meeting, MeetingEvent } from './state.js';

/**
 * Only a started meeting has media to place. Placing it where it already is decides nothing, so
 * two nodes racing to place it (or one retrying after a conflict) append one event between them.
 */
export function placeMeetingOnSfuNode(command: PlaceMeetingOnSfuNode, meeting: Meeting): MeetingEvent[] {
  requireStatus(meeting, ['started']);
  const { meetingId, sfuNodeId, reason } = command.data;
  if (meeting.sfuNodeId === sfuNodeId) return [];
  return [
    {
      type: 'MeetingPlacedOnSfuNode',
      data: { meetingId, sfuNodeId, previousSfuNodeId: meeting.sfuNodeId, reason },
    },
  ];
}
