/**
 * Building blocks of the read-tables migration (20261121000002). Everything under this folder is
 * part of that migration: once applied anywhere it is frozen — change the schema in a new migration.
 */

/** One group of tables: `down` undoes exactly what `up` created. */
export interface SqlStep {
  up: string;
  down: string;
}

export const timestamps = `
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()`;

/**
 * Version of the source stream last applied to the row: a projector applies an event only when its
 * stream version is higher, so redelivery after a crash is a no-op.
 */
export const streamVersion = `
      last_stream_version bigint NOT NULL DEFAULT 0 CHECK (last_stream_version >= 0)`;

export function touchUpdatedAt(table: string): string {
  return `CREATE TRIGGER ${table}_set_updated_at BEFORE UPDATE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION set_updated_at();`;
}

/**
 * The shared trigger function. It leaves `updated_at` alone when nothing changed, so a replayed
 * event that rewrites the same values does not pretend the row moved.
 */
export const updatedAtFunction: SqlStep = {
  up: `
    CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
      END IF;
      RETURN NEW;
    END
    $$;`,
  down: 'DROP FUNCTION IF EXISTS set_updated_at();',
};
