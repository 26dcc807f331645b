import type { Knex } from 'knex';

/**
 * Blue/green rebuilds of PostgreSQL projections (issue 13): a new generation of a projection's
 * tables is built in a schema of its own (`schema_name`) beside the live tables in `public`, then
 * switched in with one transaction; the tables it replaced wait in `retired_schema` for a grace
 * period before they are dropped. At most one generation of a projection is being built at a time.
 * - state `building`, phase `loading`: bulk load, only the keys indexed; `indexed`: catching up.
 * - state `retired`: switched in at `switched_at`; `retired_schema` holds the old tables.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE projection_generations (
      projection text NOT NULL,
      generation text NOT NULL CHECK (generation ~ '^[a-z0-9]{1,16}$'),
      schema_name text NOT NULL UNIQUE,
      retired_schema text NOT NULL UNIQUE,
      state text NOT NULL DEFAULT 'building' CHECK (state IN ('building', 'retired')),
      phase text NOT NULL DEFAULT 'loading' CHECK (phase IN ('loading', 'indexed')),
      started_at timestamptz NOT NULL DEFAULT now(),
      switched_at timestamptz,
      PRIMARY KEY (projection, generation),
      CHECK ((state = 'retired') = (switched_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX projection_generations_one_building
      ON projection_generations (projection) WHERE state = 'building';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE projection_generations;');
}
