/**
 * npm run bench:append — event store append throughput against a raw `pg` baseline, in one run on
 * one fresh database: 20,000 events in 1,000 streams, batches of 1 and 20, 1 and 8 writers.
 * The baseline is one `INSERT ... SELECT unnest(...)` per append into an equivalent table (same
 * columns, keys and indexes) with versions numbered by the client, i.e. no concurrency check.
 */
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@meetings/events';
import pg from 'pg';
import { PostgresEventStore } from '../src/event-store/postgres-event-store.js';
import { createTestDatabase } from '../src/testing/index.js';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 20_000);
const STREAMS = 1_000;
const scenarios = [
  { batch: 1, writers: 1 },
  { batch: 1, writers: 8 },
  { batch: 20, writers: 1 },
  { batch: 20, writers: 8 },
];

const RAW_TABLE = `
  CREATE TABLE raw_events (
    global_position bigserial PRIMARY KEY,
    transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id uuid NOT NULL UNIQUE,
    stream_id text NOT NULL,
    stream_version bigint NOT NULL,
    type text NOT NULL,
    schema_version integer NOT NULL,
    data jsonb NOT NULL,
    metadata jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, stream_version)
  );
  CREATE INDEX ON raw_events (transaction_id, global_position);
  CREATE INDEX ON raw_events (type, transaction_id, global_position);`;

const RAW_INSERT = `
  INSERT INTO raw_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[], $8::timestamptz[])`;

function makeEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, () => ({
    eventId: randomUUID(),
    type: 'ParticipantMuted',
    schemaVersion: 1,
    data: { meetingId: randomUUID(), userId: randomUUID(), mutedBy: randomUUID() },
    metadata: {
      correlationId: randomUUID(),
      causationId: null,
      actorUserId: randomUUID(),
      idempotencyKey: null,
    },
    occurredAt: new Date(),
  }));
}

type Append = (streamId: string, events: NewEvent[], expectedVersion: number) => Promise<unknown>;

/** Each writer owns every `writers`-th stream and appends round-robin over them. */
async function run(append: Append, batch: number, writers: number): Promise<number> {
  const appendsPerWriter = Math.ceil(TOTAL / batch / writers);
  const work = Array.from({ length: writers }, (_, w) => {
    const owned = Array.from({ length: STREAMS / writers }, (_, i) => `bench-${w + i * writers}`);
    return Array.from({ length: appendsPerWriter }, (_, i) => ({
      stream: owned[i % owned.length]!,
      events: makeEvents(batch),
    }));
  });
  const started = process.hrtime.bigint();
  await Promise.all(
    work.map(async (appends) => {
      const versions = new Map<string, number>();
      for (const { stream, events } of appends) {
        const version = versions.get(stream) ?? 0;
        await append(stream, events, version);
        versions.set(stream, version + events.length);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (appendsPerWriter * writers * batch) / seconds;
}

const db = await createTestDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 8 });
try {
  await pool.query(RAW_TABLE);
  const store = new PostgresEventStore(pool);
  const adapter: Append = (stream, events, expected) => store.appendToStream(stream, events, expected);
  const raw: Append = (stream, events, expected) =>
    pool.query(RAW_INSERT, [
      events.map((e) => e.eventId),
      events.map(() => stream),
      events.map((_, i) => expected + i + 1),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
      events.map((e) => e.occurredAt.toISOString()),
    ]);

  // Warm both paths (connections, plans, caches) before measuring.
  await run(adapter, 20, 8);
  await run(raw, 20, 8);

  console.log(`append throughput, ${TOTAL} events in ${STREAMS} streams (events/s; higher is better)`);
  console.log('batch  writers  raw pg baseline   event store   ratio');
  const ratios: number[] = [];
  for (const { batch, writers } of scenarios) {
    // ABBA order: drift over the run (WAL, checkpoints, caches) and first-run effects fall on both sides.
    const runs = { raw: [] as number[], store: [] as number[] };
    for (const side of ['raw', 'store', 'store', 'raw'] as const) {
      await pool.query('TRUNCATE raw_events, es_events');
      await pool.query('CHECKPOINT');
      runs[side].push(await run(side === 'raw' ? raw : adapter, batch, writers));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [rawRate, storeRate] = [mean(runs.raw), mean(runs.store)];
    const ratio = storeRate / rawRate;
    ratios.push(ratio);
    console.log(
      `${String(batch).padStart(5)}  ${String(writers).padStart(7)}  ${rawRate.toFixed(0).padStart(15)}  ${storeRate
        .toFixed(0)
        .padStart(12)}  ${ratio.toFixed(2).padStart(5)}x`,
    );
  }
  const geomean = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  console.log(`geometric mean ratio: ${geomean.toFixed(2)}x (target >= 0.80x)`);
} finally {
  await pool.end();
  await db.drop();
}
