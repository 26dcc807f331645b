import type { Knex } from 'knex';
import { mediaStreams } from './read-tables/media.js';
import { meetingParticipants, meetingRecordings, meetingRooms, meetings } from './read-tables/meetings.js';
import { aiTasks, operationLogs, systemConfigs } from './read-tables/platform.js';
import { signalingMessages, signalingSessions } from './read-tables/signaling.js';
import { updatedAtFunction } from './read-tables/sql.js';
import type { SqlStep } from './read-tables/sql.js';
import { users } from './read-tables/users.js';
import { activeMeetingsStats } from './read-tables/views.js';

/**
 * The read tables of the seed design, filled by projection workers from the event store.
 *
 * ON DELETE policy (rows are normally soft-deleted; hard deletes are purges/erasure):
 * - children of a meeting CASCADE — they mean nothing without it;
 * - rows that are a user's own data (attendance, published media, messages, sessions) CASCADE;
 * - "who did it" annotations (removed_by, started_by, updated_by, ...) SET NULL;
 * - meetings.host_id RESTRICTs: erasing a host must first decide what happens to their meetings.
 * The foreign keys mean a projector must apply events in global-log order (users before the
 * meetings that mention them), as a single ordered projector does.
 */
const steps: readonly SqlStep[] = [
  updatedAtFunction,
  users,
  meetings,
  meetingParticipants,
  meetingRooms,
  meetingRecordings,
  mediaStreams,
  signalingSessions,
  signalingMessages,
  aiTasks,
  systemConfigs,
  operationLogs,
  activeMeetingsStats,
];

export async function up(knex: Knex): Promise<void> {
  for (const step of steps) await knex.raw(step.up);
}

/** Reverse order: the view before its tables, children before parents, the trigger function last. */
export async function down(knex: Knex): Promise<void> {
  for (const step of [...steps].reverse()) await knex.raw(step.down);
}
