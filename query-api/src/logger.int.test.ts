import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closeLogSinks, createMongo, MONGO_COLLECTIONS } from '@meetings/db';
import { mongoServerLabel, startTestMongo } from '@meetings/db/testing';
import type { TestMongo } from '@meetings/db/testing';
import { createLogger } from './logger.js';

describe(`query-api's logger with MONGO_URL (${mongoServerLabel()})`, () => {
  let mongo: TestMongo;
  before(async () => {
    mongo = await startTestMongo();
  });
  after(() => mongo?.stop());

  test('warnings and errors reach `logs` with the service name and correlation id; info does not', async () => {
    const logger = createLogger('info', { MONGO_URL: mongo.url, MONGO_DATABASE: mongo.database });
    const request = logger.child({ correlationId: 'corr-42' });
    request.info('served');
    request.warn({ req: { headers: { authorization: 'Bearer secret' } } }, 'slow');
    logger.error({ err: new Error('kaput') }, 'failed');
    await closeLogSinks();
    const reader = createMongo({ url: mongo.url, database: mongo.database });
    try {
      const docs = await reader.db
        .collection(MONGO_COLLECTIONS.logs)
        .find({}, { projection: { _id: 0, created_at: 0, timestamp: 0 } })
        .sort({ level: -1 })
        .toArray();
      assert.deepEqual(docs, [
        { service: 'query-api', level: 'warn', message: 'slow', correlation_id: 'corr-42' },
        { service: 'query-api', level: 'error', message: 'failed', error: 'kaput' },
      ]);
    } finally {
      await reader.close();
    }
  });
});
