import { defineProjector } from './define-projector.js';

/**
 * system_configs from `config-<key>` streams. A deleted key keeps its row with `deleted_at` set (and
 * its version), so a replayed older SystemConfigSet cannot bring it back; setting it again clears it.
 */
export const systemConfigsProjector = defineProjector('system-configs', {
  SystemConfigSet: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `INSERT INTO system_configs
         (config_key, config_value, description, is_public, updated_by, last_stream_version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (config_key) DO UPDATE SET
         config_value = EXCLUDED.config_value, description = EXCLUDED.description,
         is_public = EXCLUDED.is_public, updated_by = EXCLUDED.updated_by, deleted_at = NULL,
         last_stream_version = EXCLUDED.last_stream_version
       WHERE system_configs.last_stream_version < EXCLUDED.last_stream_version`,
      [data.key, data.value, data.description, data.isPublic, data.setBy, streamVersion, occurredAt],
    ),
  SystemConfigDeleted: (tx, { data, streamVersion, occurredAt }) =>
    tx.query(
      `UPDATE system_configs SET deleted_at = $2, updated_by = $3, last_stream_version = $4
       WHERE config_key = $1 AND last_stream_version < $4`,
      [data.key, occurredAt, data.deletedBy, streamVersion],
    ),
});
