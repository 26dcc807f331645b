import { z } from 'zod';
import type { Queryable } from './rows.js';
import { iso } from './rows.js';
import type { Viewer } from './visibility.js';

export const SystemConfig = z
  .object({
    key: z.string(),
    value: z.string(),
    description: z.string().nullable(),
    isPublic: z.boolean().describe('Readable by every signed-in user; otherwise by admins only'),
    version: z.number().int().describe('The `config-<key>` stream version: the If-Match of a change'),
    updatedAt: z.string(),
  })
  .meta({ id: 'SystemConfig' });
export type SystemConfig = z.infer<typeof SystemConfig>;

interface ConfigRow {
  config_key: string;
  config_value: string;
  description: string | null;
  is_public: boolean;
  last_stream_version: string;
  updated_at: Date;
}

const toConfig = (r: ConfigRow): SystemConfig => ({
  key: r.config_key,
  value: r.config_value,
  description: r.description,
  isPublic: r.is_public,
  version: Number(r.last_stream_version),
  updatedAt: iso(r.updated_at),
});

const COLUMNS = 'config_key, config_value, description, is_public, last_stream_version, updated_at';

/** Live (not deleted) keys: all of them for an admin, the public ones for everyone else. */
export class ConfigsReader {
  constructor(private readonly db: Queryable) {}

  async list(viewer: Viewer): Promise<SystemConfig[]> {
    const { rows } = await this.db.query<ConfigRow>(
      `SELECT ${COLUMNS} FROM system_configs
       WHERE deleted_at IS NULL AND (is_public OR $1) ORDER BY config_key`,
      [viewer.isAdmin],
    );
    return rows.map(toConfig);
  }

  /** Null both for a key that does not exist and for one the viewer may not read (no probing). */
  async get(viewer: Viewer, key: string): Promise<SystemConfig | null> {
    const { rows } = await this.db.query<ConfigRow>(
      `SELECT ${COLUMNS} FROM system_configs
       WHERE config_key = $1 AND deleted_at IS NULL AND (is_public OR $2)`,
      [key, viewer.isAdmin],
    );
    return rows[0] ? toConfig(rows[0]) : null;
  }
}
