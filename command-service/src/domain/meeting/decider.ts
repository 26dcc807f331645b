import type { Decider } from '../decider.js';
import type { MeetingCommand } from './commands.js';
import { decide } from './decide.js';
import { evolve } from './evolve.js';
import type { MeetingEvent, MeetingState } from './state.js';
import { initialMeetingState } from './state.js';

/** The `meeting-<meetingId>` stream's decider. */
export const meetingDecider: Decider<MeetingCommand, MeetingState, MeetingEvent> = {
  initialState: initialMeetingState,
  decide,
  evolve,
};
