import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';
import { aiTasksProjector } from './ai-tasks-projector.js';
import { chatProjector } from './chat-projector.js';
import { meetingAccessProjector } from './meeting-access-projector.js';
import { meetingDocumentsProjector } from './meeting-documents-projector.js';
import { mediaStreamsProjector } from './media-streams-projector.js';
import { meetingsProjector } from './meetings-projector.js';
import { operationLogsProjector } from './operation-logs-projector.js';
import { signalingSessionsProjector } from './signaling-sessions-projector.js';
import { systemConfigsProjector } from './system-configs-projector.js';
import { usersProjector } from './users-projector.js';

export {
  aiTasksProjector,
  chatProjector,
  mediaStreamsProjector,
  meetingAccessProjector,
  meetingDocumentsProjector,
  meetingsProjector,
  operationLogsProjector,
  signalingSessionsProjector,
  systemConfigsProjector,
  usersProjector,
};
export { privateEventTypes } from './operation-logs-projector.js';

/**
 * The PostgreSQL read models. Each keeps its own checkpoint and reads no other's rows, so they
 * may run at different speeds (the read tables have no foreign keys between them for that reason).
 */
export const postgresProjectors: readonly Projector<ClientBase>[] = [
  usersProjector,
  meetingsProjector,
  meetingAccessProjector,
  mediaStreamsProjector,
  chatProjector,
  operationLogsProjector,
  systemConfigsProjector,
  signalingSessionsProjector,
  aiTasksProjector,
  meetingDocumentsProjector,
];
