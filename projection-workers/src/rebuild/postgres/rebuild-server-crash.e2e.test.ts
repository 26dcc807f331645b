import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { startPrivatePostgres } from '@meetings/db/testing';
import type { PrivatePostgres } from '@meetings/db/testing';
import pg from 'pg';
import { pino } from 'pino';
import { meetingsProjector } from '../../projectors/postgres/index.js';
import { projectedRows } from '../../testing/read-model-rows.js';
import { runScenario } from '../../testing/scenario.js';
import { RebuildInterrupted } from '../rebuild-progress.js';
import { READ_MODEL_TABLES } from './read-model-tables.js';
import { rebuildPostgresProjection } from './rebuild-postgres-projection.js';

const TABLES = READ_MODEL_TABLES.meetings!.owns;
const logger = pino({ level: 'silent' });
let server: PrivatePostgres;
let url: string;

before(async () => {
  server = await startPrivatePostgres();
  url = await server.createDatabase();
});
after(() => server.stop());

const connect = () => {
  const pool = new pg.Pool({ connectionString: url, max: 6 });
  pool.on('error', () => undefined);
  return pool;
};

test('a server crash in the middle of a bulk load (unlogged tables emptied) makes the next rebuild load again from the start (private PostgreSQL)', async () => {
  let pool = connect();
  await runScenario(new PostgresEventStore(pool), { seed: 51, users: 30, meetings: 60, events: 4_000 });
  const stop = new AbortController();
  const interrupted = rebuildPostgresProjection(
    { pool, logger, batchSize: 200, bulkBatchSize: 200 },
    meetingsProjector,
    {
      signal: stop.signal,
      progressEveryMs: 0,
      onProgress: (p) => p.phase === 'building' && p.position > 1_500 && stop.abort(),
    },
  );
  await assert.rejects(interrupted, RebuildInterrupted);
  const { rows } = await pool.query<{ schema_name: string }>(
    'SELECT schema_name FROM projection_generations',
  );
  const schema = rows[0]!.schema_name;
  const loaded = async () =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.meetings`)).rows[0]!.n;
  assert.ok((await loaded()) > 0, 'the generation holds part of the log');
  await pool.end();

  await server.crash();
  await server.start();
  pool = connect();
  try {
    // What the crash did: the unlogged tables are empty, the (logged) checkpoint is not.
    assert.equal(await loaded(), 0);
    const result = await rebuildPostgresProjection({ pool, logger, batchSize: 500 }, meetingsProjector);
    assert.equal(result.resumed, true);
    const resumed = await projectedRows(pool, TABLES);
    const { rows: streams } = await pool.query<{ n: number }>(
      `SELECT count(DISTINCT stream_id)::int AS n FROM es_events WHERE type = 'MeetingScheduled'`,
    );
    assert.equal(resumed.meetings!.length, streams[0]!.n, 'every meeting is there');
    await rebuildPostgresProjection({ pool, logger, batchSize: 500 }, meetingsProjector);
    assert.deepEqual(await projectedRows(pool, TABLES), resumed, 'equal to a rebuild from nothing');
  } finally {
    await pool.end();
  }
});
