export type { Decider, DomainCommand } from './decider.js';
export { fold } from './decider.js';
export {
  AggregateNotFound,
  AlreadyExists,
  BusinessRuleViolation,
  DomainError,
  NotPermitted,
  WrongPasscode,
} from './errors.js';

export type * from './meeting/commands.js';
export type {
  Meeting,
  MeetingEvent,
  MeetingEventType,
  MeetingState,
  MeetingStatus,
  ParticipantState,
  RecordingStatus,
} from './meeting/state.js';
export { initialMeetingState, meetingExists } from './meeting/state.js';
export { isHost, requireMayChangeSettings } from './meeting/rules.js';
export { DEFAULT_MAX_PARTICIPANTS, DEFAULT_SETTINGS } from './meeting/decide-lifecycle.js';
export { meetingDecider } from './meeting/decider.js';

export type * from './user/commands.js';
export type { User, UserEvent, UserState } from './user/state.js';
export { initialUserState } from './user/state.js';
export { userDecider } from './user/decider.js';

export type * from './media/commands.js';
export type { MediaEvent, MediaState, MediaStreamStatus } from './media/state.js';
export { initialMediaState } from './media/state.js';
export { mediaDecider } from './media/decider.js';

export type * from './ai-task/commands.js';
export type { AiTask, AiTaskEvent, AiTaskState, AiTaskStatus } from './ai-task/state.js';
export { aiTaskExists, initialAiTaskState, isSettled } from './ai-task/state.js';
export { ABANDONED_ATTEMPT } from './ai-task/decide-work.js';
export { aiTaskDecider } from './ai-task/decider.js';

export type {
  DeleteSystemConfig,
  SetSystemConfig,
  SystemConfigCommand,
  SystemConfigEvent,
  SystemConfigState,
} from './config/decider.js';
export { systemConfigDecider } from './config/decider.js';
