import type { Knex } from 'knex';
import * as eventStore from './20261121000001_event_store.js';
import * as commandIdempotency from './20261121000003_command_idempotency.js';
import * as projectionState from './20261121000004_projection_state.js';
import * as readTables from './20261121000002_read_tables.js';
import * as readTablesWithoutCrossTableKeys from './20261121000005_read_tables_without_cross_table_keys.js';
import * as idempotencyClaimsBySession from './20261130000001_idempotency_claims_by_session.js';
import * as meetingAccess from './20261201000001_meeting_access.js';
import * as personalDataKeys from './20261201000002_personal_data_keys.js';
import * as seedColumnNames from './20261201000003_seed_column_names.js';
import * as systemConfigsSignaling from './20261201000005_system_configs_signaling.js';
import * as participantIdsFromKeys from './20261201000006_participant_ids_from_keys.js';
import * as meetingDocuments from './20261202000001_meeting_documents.js';
import * as aiTasksQueue from './20261202000002_ai_tasks_queue.js';
import * as kafkaReadYourWrites from './20261202000003_kafka_read_your_writes.js';
import * as projectionGenerations from './20261203000001_projection_generations.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration in order. Listed here (not discovered on disk) so that src and dist behave alike. */
export const migrations: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ['20261121000001_event_store', eventStore],
  ['20261121000002_read_tables', readTables],
  ['20261121000003_command_idempotency', commandIdempotency],
  ['20261121000004_projection_state', projectionState],
  ['20261121000005_read_tables_without_cross_table_keys', readTablesWithoutCrossTableKeys],
  ['20261130000001_idempotency_claims_by_session', idempotencyClaimsBySession],
  ['20261201000001_meeting_access', meetingAccess],
  ['20261201000002_personal_data_keys', personalDataKeys],
  ['20261201000003_seed_column_names', seedColumnNames],
  ['20261201000005_system_configs_signaling', systemConfigsSignaling],
  ['20261201000006_participant_ids_from_keys', participantIdsFromKeys],
  ['20261202000001_meeting_documents', meetingDocuments],
  ['20261202000002_ai_tasks_queue', aiTasksQueue],
  ['20261202000003_kafka_read_your_writes', kafkaReadYourWrites],
  ['20261203000001_projection_generations', projectionGenerations],
];
