import type { Knex } from 'knex';
import * as leases from './20261121000003_command_idempotency.js';

/**
 * Idempotency claims are held by an advisory lock of the claiming connection (they end with it),
 * no longer by a lease: the lease's expiry column goes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE command_idempotency DROP COLUMN locked_until');
}

/** The table as 000003 made it (columns in its order), its records kept with leases expired. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE command_idempotency RENAME TO command_idempotency_by_session;
    ALTER TABLE command_idempotency_by_session
      RENAME CONSTRAINT command_idempotency_pkey TO command_idempotency_by_session_pkey;
    ALTER TABLE command_idempotency_by_session
      RENAME CONSTRAINT command_idempotency_check TO command_idempotency_by_session_check;
    ALTER TABLE command_idempotency_by_session
      RENAME CONSTRAINT command_idempotency_state_check TO command_idempotency_by_session_state_check;
    ALTER INDEX command_idempotency_created_at_idx RENAME TO command_idempotency_by_session_created_at_idx;
  `);
  await leases.up(knex);
  await knex.raw(`
    INSERT INTO command_idempotency (scope, key, request_hash, state, status_code, response_headers,
      response_body, created_at, locked_until, completed_at)
    SELECT scope, key, request_hash, state, status_code, response_headers, response_body, created_at,
      created_at, completed_at
    FROM command_idempotency_by_session;
    DROP TABLE command_idempotency_by_session;
  `);
}
