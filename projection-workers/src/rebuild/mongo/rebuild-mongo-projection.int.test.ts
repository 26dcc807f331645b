import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMongo, MONGO_COLLECTIONS, PostgresEventStore } from '@meetings/db';
import type { Db, MongoConnection } from '@meetings/db';
import { createTestDatabase, mongoServerLabel, startTestMongo } from '@meetings/db/testing';
import type { TestDatabase, TestMongo } from '@meetings/db/testing';
import { compareCheckpoints, createUpcasterRegistry, START } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import pg from 'pg';
import { pino } from 'pino';
import { MongoTarget } from '../../adapters/mongodb/mongo-target.js';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import { EventStoreSource } from '../../adapters/postgres/event-store-source.js';
import { PostgresDeadLetterStore } from '../../adapters/postgres/postgres-dead-letter-store.js';
import { LIVE_ANALYTICS_COLLECTIONS } from '../../projectors/mongo/analytics-collections.js';
import { MongoAnalyticsProjector } from '../../projectors/mongo/mongo-analytics-projector.js';
import { ProjectionRunner } from '../../runner/projection-runner.js';
import { ProjectionWorker } from '../../runner/projection-worker.js';
import { runScenario } from '../../testing/scenario.js';
import { RebuildInterrupted } from '../rebuild-progress.js';
import type { RebuildPhase, RebuildProgress } from '../rebuild-progress.js';
import { pauseLiveRun, pausedAt, releaseLiveRun } from './live-pause.js';
import { rebuildMongoProjection } from './rebuild-mongo-projection.js';

const NAME = 'mongo-analytics';
const logger = pino({ level: 'silent' });

/** A worker running the live mongo-analytics projection, as projection-workers does. */
function liveWorker(pool: pg.Pool, db: Db): ProjectionWorker {
  const runner = new ProjectionRunner({
    projector: new MongoAnalyticsProjector(),
    source: new EventStoreSource(new PostgresEventStore(pool), 10),
    target: new MongoTarget(db),
    deadLetters: new PostgresDeadLetterStore(pool),
    upcasters: createUpcasterRegistry(),
    logger,
    batchSize: 100,
  });
  const worker = new ProjectionWorker([runner], logger);
  worker.start();
  return worker;
}

async function logHead(pool: pg.Pool): Promise<Checkpoint> {
  const { rows } = await pool.query<{ t: string; p: string }>(
    `SELECT transaction_id::text AS t, global_position::text AS p FROM es_events
     ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  return rows[0] ? { transactionId: Number(rows[0].t), globalPosition: Number(rows[0].p) } : START;
}

/** Waits until the projection's checkpoint in `db` stands at the log's head. */
async function caughtUp(pool: pg.Pool, db: Db, timeoutMs = 60_000): Promise<void> {
  const head = await logHead(pool);
  const target = new MongoTarget(db, { ensureIndexes: false });
  const deadline = Date.now() + timeoutMs;
  while (compareCheckpoints((await target.loadCheckpoint(NAME)) ?? START, head) < 0) {
    if (Date.now() > deadline) throw new Error(`${NAME} not caught up with ${head.globalPosition}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What a fresh, in-place projection of the whole log gives, in a database of its own. */
async function freshProjection(pool: pg.Pool, db: Db): Promise<Record<string, unknown[]>> {
  await db.dropDatabase();
  const worker = liveWorker(pool, db);
  try {
    await caughtUp(pool, db);
  } finally {
    await worker.stop();
  }
  return dump(db);
}

/** The projected collections, sorted by `_id`. */
async function dump(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const name of Object.values(LIVE_ANALYTICS_COLLECTIONS)) {
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    out[name] = docs.map((doc) => ({ ...doc, _id: doc._id.toHexString() }));
  }
  return out;
}

async function generationCollectionsLeft(db: Db): Promise<string[]> {
  const listed = await db.listCollections({}, { nameOnly: true }).toArray();
  return listed.map((c) => c.name).filter((name) => name.includes('__gen_'));
}

/**
 * Reads meeting_analytics and chat_history over and over, as query-api would, and records any
 * document that was there on an earlier read and is missing now, or a meeting whose stream
 * versions went backwards.
 */
function readerLoop(db: Db) {
  const meetings = new Map<string, { meeting: number; media: number }>();
  const chats = new Set<string>();
  const violations: string[] = [];
  let reads = 0;
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const docs = await db
        .collection(MONGO_COLLECTIONS.meetingAnalytics)
        .find({}, { projection: { versions: 1 } })
        .toArray();
      const now = new Map(
        docs.map((d) => [d._id.toHexString(), d.versions as { meeting: number; media: number }]),
      );
      for (const [id, before] of meetings) {
        const v = now.get(id);
        if (!v) violations.push(`meeting_analytics ${id} vanished`);
        else if (v.meeting < before.meeting || v.media < before.media)
          violations.push(`meeting ${id} went back`);
      }
      for (const [id, v] of now) meetings.set(id, v);
      const messages = await db
        .collection(MONGO_COLLECTIONS.chatHistory)
        .find({}, { projection: { _id: 1 } })
        .toArray();
      const ids = new Set(messages.map((m) => m._id.toHexString()));
      for (const id of chats) if (!ids.has(id)) violations.push(`chat_history ${id} vanished`);
      for (const id of ids) chats.add(id);
      reads += 1;
    }
  })();
  return {
    violations,
    reads: () => reads,
    seen: () => ({ meetings: meetings.size, chats: chats.size }),
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

describe(`blue/green rebuild of mongo-analytics (${mongoServerLabel()})`, () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let mongo: TestMongo;
  let conn: MongoConnection;
  let fresh: Db;
  let store: PostgresEventStore;
  let live: ProjectionWorker | undefined;

  before(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 10 });
    store = new PostgresEventStore(pool);
    mongo = await startTestMongo();
    // The stand-in answers the driver's streaming heartbeat (exhaust hello, every 10 s) wrongly and
    // the driver then clears its pool under running operations: poll instead, as MongoDB allows.
    const url = mongo.standIn ? `${mongo.url}&serverMonitoringMode=poll` : mongo.url;
    conn = createMongo({ url, database: mongo.database });
    fresh = conn.client.db(`${mongo.database}_fresh`);
    await runScenario(store, { seed: 1301, users: 16, meetings: 20, events: 1500 });
    live = liveWorker(pool, conn.db);
    await caughtUp(pool, conn.db);
  });
  after(async () => {
    await live?.stop();
    await fresh?.dropDatabase().catch(() => undefined);
    await conn?.close();
    await mongo?.stop();
    if (pool) {
      pool.on('error', () => undefined);
      await pool.end();
    }
    await database?.drop();
  });

  test('readers never lose a document while the live run goes on; the result equals a fresh projection', async () => {
    const reader = readerLoop(conn.db);
    // Commands keep coming during the rebuild: the live run and the generation both follow them.
    const writing = runScenario(store, { seed: 1302, users: 8, meetings: 8, events: 600 });
    const phases: RebuildPhase[] = [];
    const progress: RebuildProgress[] = [];
    const result = await rebuildMongoProjection({ pool, mongo: conn.db, logger, batchSize: 200 }, NAME, {
      onProgress: (p) => {
        progress.push(p);
        if (phases.at(-1) !== p.phase) phases.push(p.phase);
      },
      progressEveryMs: 0,
    });
    await writing;
    await caughtUp(pool, conn.db);
    await reader.stop();

    assert.deepEqual(reader.violations, []);
    assert.ok(reader.reads() > 10, `the reader read ${reader.reads()} times`);
    assert.ok(reader.seen().meetings > 0 && reader.seen().chats > 0);
    assert.equal(result.resumed, false);
    assert.ok(result.switchedAt && result.switchedAt.globalPosition > 0);
    assert.deepEqual(phases, ['building', 'indexing', 'catching-up', 'switching', 'switched']);
    assert.ok(progress.every((p) => p.generation === result.generation && p.projection === NAME));
    assert.deepEqual(await generationCollectionsLeft(conn.db), []);
    assert.deepEqual(await dump(conn.db), await freshProjection(pool, fresh));
  });

  test('events appended after the switch are applied by the live run into the switched collections', async () => {
    const before = await conn.db.collection(MONGO_COLLECTIONS.meetingAnalytics).countDocuments();
    await runScenario(store, { seed: 1303, users: 6, meetings: 5, events: 300 });
    await caughtUp(pool, conn.db);
    const now = await dump(conn.db);
    assert.ok(now[MONGO_COLLECTIONS.meetingAnalytics]!.length > before, 'the new meetings are there');
    assert.deepEqual(now, await freshProjection(pool, fresh));
  });

  test('an interrupted rebuild leaves the live collections as they were; the next resumes and completes', async () => {
    const liveBefore = await dump(conn.db);
    const checkpointBefore = await new MongoTarget(conn.db).loadCheckpoint(NAME);
    const abort = new AbortController();
    let interruptedAt = 0;
    await assert.rejects(
      rebuildMongoProjection({ pool, mongo: conn.db, logger, batchSize: 100, bulkBatchSize: 100 }, NAME, {
        signal: abort.signal,
        progressEveryMs: 0,
        onProgress: (p) => {
          if (p.phase === 'building' && p.position > 0 && !abort.signal.aborted) {
            interruptedAt = p.position;
            abort.abort();
          }
        },
      }),
      RebuildInterrupted,
    );
    assert.ok(interruptedAt > 0);
    assert.deepEqual(await dump(conn.db), liveBefore, 'the live collections are untouched');
    assert.deepEqual(await new MongoTarget(conn.db).loadCheckpoint(NAME), checkpointBefore);
    assert.equal((await generationCollectionsLeft(conn.db)).length, 5, 'the generation is kept to resume');

    let resumedFrom = -1;
    const result = await rebuildMongoProjection({ pool, mongo: conn.db, logger, batchSize: 100 }, NAME, {
      onProgress: (p) => {
        if (resumedFrom < 0) resumedFrom = p.position;
      },
    });
    assert.equal(result.resumed, true);
    assert.ok(resumedFrom >= interruptedAt, `resumed from ${resumedFrom}, interrupted at ${interruptedAt}`);
    assert.deepEqual(await generationCollectionsLeft(conn.db), []);
    await caughtUp(pool, conn.db);
    assert.deepEqual(await dump(conn.db), await freshProjection(pool, fresh));
  });
  test('the switch pauses a live run only between its batches, and none opens while paused', async () => {
    const target = new MongoTarget(conn.db, { ensureIndexes: false });
    const run = await target.open('pause-test');
    let openGate = () => undefined as void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const batch = run.commit(() => gate, { transactionId: 1, globalPosition: 1 });
    await new Promise((r) => setTimeout(r, 50)); // the batch has claimed the document
    let paused = false;
    const pausing = pauseLiveRun(conn.db, 'pause-test').then((p) => ((paused = true), p));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(paused, false, 'no pause while a batch is being applied');
    openGate();
    await batch;
    const pause = await pausing;
    assert.deepEqual(pausedAt(pause), { transactionId: 1, globalPosition: 1 });
    await assert.rejects(run.commit(null, { transactionId: 2, globalPosition: 2 }), CheckpointConflict);
    await assert.rejects(target.open('pause-test'), CheckpointConflict);
    await releaseLiveRun(conn.db, 'pause-test', { transactionId: 1, globalPosition: 1 }, 'after-switch');
    assert.deepEqual((await target.open('pause-test')).checkpoint, { transactionId: 1, globalPosition: 1 });
  });
});
