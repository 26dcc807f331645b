import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MONGO_COLLECTIONS } from './collections.js';
import { createMongo } from './mongo-client.js';
import type { MongoConnection } from './mongo-client.js';
import { MongoLogSink } from './mongo-log-sink.js';
import { isOutage } from '../outage.js';
import { freePort } from '../testing/server-process.js';
import { mongoServerLabel, startTestMongo } from '../testing/mongo-stand-in.js';
import type { TestMongo } from '../testing/mongo-stand-in.js';

/** A line as pino writes it. */
const line = (level: number, msg: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ level, time: Date.parse('2026-12-01T10:00:00.000Z'), pid: 1, hostname: 'h', service: 'query-api', ...extra, msg })}\n`;

describe(`MongoDB logs sink (${mongoServerLabel()})`, () => {
  let mongo: TestMongo;
  let conn: MongoConnection;

  before(async () => {
    mongo = await startTestMongo();
    conn = createMongo({ url: mongo.url, database: mongo.database });
  });
  after(async () => {
    await conn?.close();
    await mongo?.stop();
  });

  test('writes warnings and errors (not info) with service, level, message, times and correlation id', async () => {
    const sink = new MongoLogSink({ url: mongo.url, database: mongo.database, service: 'fallback' });
    sink.write(line(30, 'an info line'));
    sink.write(line(40, 'slow answer', { correlationId: 'req-1' }));
    sink.write(line(50, 'request failed', { err: { message: 'boom', stack: '…' } }));
    sink.write('not json\n');
    await sink.close();
    assert.deepEqual(sink.stats(), { written: 2, dropped: 0, buffered: 0 });
    const docs = await conn.db
      .collection(MONGO_COLLECTIONS.logs)
      .find({}, { projection: { _id: 0 } })
      .sort({ level: -1 })
      .toArray();
    for (const doc of docs) {
      assert.ok(doc.created_at instanceof Date);
      delete doc.created_at;
    }
    const timestamp = new Date('2026-12-01T10:00:00.000Z');
    assert.deepEqual(docs, [
      { service: 'query-api', level: 'warn', message: 'slow answer', timestamp, correlation_id: 'req-1' },
      { service: 'query-api', level: 'error', message: 'request failed', timestamp, error: 'boom' },
    ]);
  });

  test('the driver failing to reach a server is an outage (workers wait and retry, nothing is dead-lettered)', async () => {
    const url = `mongodb://127.0.0.1:${await freePort()}/?directConnection=true`;
    const away = createMongo({ url, database: 'x', serverSelectionTimeoutMS: 200 });
    try {
      const error = await away.db
        .collection('c')
        .findOne({})
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(error instanceof Error, 'the read failed');
      assert.equal(isOutage(error), true, String(error));
    } finally {
      await away.close();
    }
  });

  test('with MongoDB away it drops and counts, never throws nor blocks, and is bounded', async () => {
    const url = `mongodb://127.0.0.1:${await freePort()}/?directConnection=true`;
    const sink = new MongoLogSink({
      url,
      database: mongo.database,
      service: 'x',
      maxBuffered: 5,
      serverSelectionTimeoutMS: 300,
    });
    const started = Date.now();
    for (let i = 0; i < 8; i++) sink.write(line(40, `warning ${i}`));
    assert.ok(Date.now() - started < 1000, 'write returns at once');
    assert.deepEqual(sink.stats(), { written: 0, dropped: 3, buffered: 5 });
    await sink.flush();
    assert.deepEqual(sink.stats(), { written: 0, dropped: 8, buffered: 0 });
    await sink.close();
  });

  test('survives the server stopping and writes again once it is back (stand-in only: it is the one the test can stop)', async (t) => {
    if (!mongo.server) return t.skip('a real MongoDB at MONGO_URL is not ours to stop');
    const sink = new MongoLogSink({
      url: mongo.url,
      database: mongo.database,
      service: 'x',
      serverSelectionTimeoutMS: 500,
    });
    sink.write(line(40, 'before the stop'));
    await sink.flush();
    await mongo.server.stop();
    sink.write(line(40, 'while away'));
    await sink.flush();
    assert.deepEqual(sink.stats(), { written: 1, dropped: 1, buffered: 0 });
    await mongo.server.start(); // a new, empty server on the same port
    sink.write(line(50, 'after the restart'));
    await sink.flush();
    await sink.close();
    assert.deepEqual(sink.stats(), { written: 2, dropped: 1, buffered: 0 });
    const fresh = createMongo({ url: mongo.url, database: mongo.database });
    try {
      const messages = await fresh.db.collection(MONGO_COLLECTIONS.logs).find({}).toArray();
      assert.deepEqual(
        messages.map((m) => m.message),
        ['after the restart'],
      );
    } finally {
      await fresh.close();
    }
  });
});
