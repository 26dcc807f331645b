import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createGenerationTables, quoteIdent } from './generation-tables.js';
import type { ReadModelTables } from './read-model-tables.js';

/** A row of `projection_generations` (see its migration). */
export interface Generation {
  projection: string;
  generation: string;
  /** Where the new tables are built. */
  schema: string;
  /** Where the tables it replaces go at the switch. */
  retiredSchema: string;
  phase: 'loading' | 'indexed';
}

/** The name the generation's checkpoint and dead letters are kept under until the switch. */
export const generationRunName = (g: Pick<Generation, 'projection' | 'generation'>) =>
  `${g.projection}@${g.generation}`;

const slug = (projection: string) => projection.replace(/[^a-z0-9]+/g, '_');

interface Row {
  projection: string;
  generation: string;
  schema_name: string;
  retired_schema: string;
  phase: Generation['phase'];
}

const toGeneration = (r: Row): Generation => ({
  projection: r.projection,
  generation: r.generation,
  schema: r.schema_name,
  retiredSchema: r.retired_schema,
  phase: r.phase,
});

/** The generation of `projection` being built (an interrupted rebuild), if any. */
export async function buildingGeneration(pool: pg.Pool, projection: string): Promise<Generation | null> {
  const { rows } = await pool.query<Row>(
    `SELECT projection, generation, schema_name, retired_schema, phase FROM projection_generations
     WHERE projection = $1 AND state = 'building'`,
    [projection],
  );
  return rows[0] ? toGeneration(rows[0]) : null;
}

/** Records a new generation and creates its empty tables, in one transaction. */
export async function startGeneration(
  pool: pg.Pool,
  projection: string,
  tables: ReadModelTables,
): Promise<Generation> {
  const generation = randomBytes(5).toString('hex');
  const g: Generation = {
    projection,
    generation,
    schema: `rebuild_${slug(projection)}_${generation}`,
    retiredSchema: `retired_${slug(projection)}_${generation}`,
    phase: 'loading',
  };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO projection_generations (projection, generation, schema_name, retired_schema)
       VALUES ($1, $2, $3, $4)`,
      [projection, generation, g.schema, g.retiredSchema],
    );
    await createGenerationTables(client, g.schema, tables);
    await client.query('COMMIT');
    return g;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function markIndexed(pool: pg.Pool, g: Generation): Promise<void> {
  await pool.query(
    `UPDATE projection_generations SET phase = 'indexed' WHERE projection = $1 AND generation = $2`,
    [g.projection, g.generation],
  );
}

/**
 * Drops the tables of generations switched out more than `graceSeconds` ago (kept until then so
 * an operator can still compare or copy them back). Returns the schemas dropped.
 */
export async function dropRetiredGenerations(pool: pg.Pool, graceSeconds: number): Promise<string[]> {
  const { rows } = await pool.query<Row>(
    `SELECT projection, generation, schema_name, retired_schema, phase FROM projection_generations
     WHERE state = 'retired' AND switched_at < now() - $1 * interval '1 second'`,
    [graceSeconds],
  );
  const dropped: string[] = [];
  for (const row of rows) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(row.retired_schema)} CASCADE`);
      await client.query(`DELETE FROM projection_generations WHERE projection = $1 AND generation = $2`, [
        row.projection,
        row.generation,
      ]);
      await client.query('COMMIT');
      dropped.push(row.retired_schema);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
  return dropped;
}

/** Every generation on record, for `status`: being built (with where it stands) or retired. */
export async function listGenerations(pool: pg.Pool): Promise<
  {
    projection: string;
    generation: string;
    state: 'building' | 'retired';
    phase: Generation['phase'];
    position: number | null;
    switchedAt: Date | null;
  }[]
> {
  const { rows } = await pool.query<{
    projection: string;
    generation: string;
    state: 'building' | 'retired';
    phase: Generation['phase'];
    position: string | null;
    switched_at: Date | null;
  }>(
    `SELECT g.projection, g.generation, g.state, g.phase, c.global_position::text AS position, g.switched_at
     FROM projection_generations g
     LEFT JOIN projection_checkpoints c ON c.projection = g.projection || '@' || g.generation
     ORDER BY g.started_at`,
  );
  return rows.map((r) => ({
    projection: r.projection,
    generation: r.generation,
    state: r.state,
    phase: r.phase,
    position: r.position === null ? null : Number(r.position),
    switchedAt: r.switched_at,
  }));
}
