import type { Knex } from 'knex';

/**
 * Reshapes two read tables, unprojected until now, for the projections that fill them:
 *
 * - `system_configs` takes the seed's names: `config_key` (still the primary key, so unique),
 *   `config_value` as text (the value an admin sets and etcd holds, `"8080"`; a JSON value
 *   already there becomes its text, a JSON string its content), and the public flag `is_public`.
 * - `signaling_sessions` becomes one row per WebSocket subscription of a query-api node (see
 *   SignalingSessionOpened): the seed's unique `session_id`, `node_id` (the query-api instance,
 *   was `sfu_node_id`) and `status` `connected`/`disconnected` (was `connection_state` with the
 *   states of an SFU connection); the SFU transport columns go, no WebSocket has them.
 *
 * `down` restores the earlier shapes; each `config_value` becomes a JSON string (the text alone
 * cannot tell `8080` the number from the text).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE system_configs RENAME COLUMN key TO config_key;
    ALTER TABLE system_configs ALTER COLUMN value TYPE text
      USING CASE WHEN jsonb_typeof(value) = 'string' THEN value #>> '{}' ELSE value::text END;
    ALTER TABLE system_configs RENAME COLUMN value TO config_value;
    ALTER TABLE system_configs ADD COLUMN is_public boolean NOT NULL DEFAULT false;
    CREATE INDEX system_configs_public_idx ON system_configs (config_key)
      WHERE is_public AND deleted_at IS NULL;

    ALTER TABLE signaling_sessions ADD COLUMN session_id uuid;
    UPDATE signaling_sessions SET session_id = id;
    ALTER TABLE signaling_sessions ALTER COLUMN session_id SET NOT NULL,
      ADD CONSTRAINT signaling_sessions_session_id_key UNIQUE (session_id);
    DROP INDEX signaling_sessions_live_sfu_node_idx;
    ALTER TABLE signaling_sessions RENAME COLUMN sfu_node_id TO node_id;
    ALTER TABLE signaling_sessions DROP COLUMN send_transport_id, DROP COLUMN recv_transport_id;
    ALTER TABLE signaling_sessions ADD COLUMN status text NOT NULL DEFAULT 'connected'
      CHECK (status IN ('connected', 'disconnected'));
    UPDATE signaling_sessions SET status = 'disconnected'
      WHERE disconnected_at IS NOT NULL OR connection_state IN ('disconnected', 'failed', 'closed');
    ALTER TABLE signaling_sessions DROP COLUMN connection_state;
    CREATE INDEX signaling_sessions_meeting_status_idx ON signaling_sessions (meeting_id, status);
    CREATE INDEX signaling_sessions_live_node_idx ON signaling_sessions (node_id)
      WHERE status = 'connected';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX signaling_sessions_live_node_idx;
    DROP INDEX signaling_sessions_meeting_status_idx;
    ALTER TABLE signaling_sessions ADD COLUMN connection_state text NOT NULL DEFAULT 'new'
      CHECK (connection_state IN ('new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'));
    UPDATE signaling_sessions SET connection_state = status;
    ALTER TABLE signaling_sessions DROP COLUMN status;
    ALTER TABLE signaling_sessions ADD COLUMN send_transport_id text, ADD COLUMN recv_transport_id text;
    ALTER TABLE signaling_sessions RENAME COLUMN node_id TO sfu_node_id;
    CREATE INDEX signaling_sessions_live_sfu_node_idx ON signaling_sessions (sfu_node_id)
      WHERE disconnected_at IS NULL;
    ALTER TABLE signaling_sessions DROP COLUMN session_id;

    DROP INDEX system_configs_public_idx;
    ALTER TABLE system_configs DROP COLUMN is_public;
    ALTER TABLE system_configs RENAME COLUMN config_value TO value;
    ALTER TABLE system_configs ALTER COLUMN value TYPE jsonb USING to_jsonb(value);
    ALTER TABLE system_configs RENAME COLUMN config_key TO key;
  `);
}
