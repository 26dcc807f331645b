import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { mongoId, participantId } from './mongo-client.js';
import { toLogDocument } from './mongo-log-sink.js';
import { MONGO_SETTINGS } from './mongo-settings.js';

const settings = z.object(MONGO_SETTINGS);

test('MONGO_URL: unset or empty is no MongoDB; only mongodb:// and mongodb+srv:// URLs; a safe database name', () => {
  assert.equal(settings.parse({}).MONGO_URL, undefined);
  assert.equal(settings.parse({}).MONGO_DATABASE, 'meeting_system');
  assert.equal(settings.parse({ MONGO_URL: '' }).MONGO_URL, undefined);
  assert.equal(
    settings.parse({ MONGO_URL: 'mongodb://127.0.0.1:27017' }).MONGO_URL,
    'mongodb://127.0.0.1:27017',
  );
  assert.ok(settings.safeParse({ MONGO_URL: 'mongodb+srv://cluster.example.com/?w=majority' }).success);
  for (const bad of ['http://127.0.0.1', 'mongodb://', 'mongodb://a b']) {
    assert.equal(settings.safeParse({ MONGO_URL: bad }).success, false, bad);
  }
  for (const bad of ['', 'a.b', 'a/b', 'a$b', 'x'.repeat(64)]) {
    assert.equal(settings.safeParse({ MONGO_DATABASE: bad }).success, false, bad);
  }
});

test("participant ids are PostgreSQL’s md5(meeting_id || ':' || user_id)::uuid; _ids are derived", () => {
  // Computed by PostgreSQL 15 with the expression of migration 20261201000006.
  assert.equal(
    participantId('0b6f1c3e-4d2a-4f7e-9a1b-2c3d4e5f6a7b', '11111111-2222-4333-8444-555555555555'),
    'e87fb3f1-ec44-01ed-c597-067868f11cf5',
  );
  assert.equal(mongoId('meeting:x').toHexString(), mongoId('meeting:x').toHexString());
  assert.notEqual(mongoId('meeting:x').toHexString(), mongoId('meeting:y').toHexString());
});

test('log lines: warn and above become documents, anything else is ignored', () => {
  const time = Date.parse('2026-12-01T10:00:00.000Z');
  const doc = toLogDocument(JSON.stringify({ level: 60, time, msg: 'down', correlationId: 'c-1' }), 'svc');
  assert.ok(doc);
  assert.deepEqual(
    { ...doc, created_at: null },
    {
      service: 'svc',
      level: 'fatal',
      message: 'down',
      timestamp: new Date(time),
      created_at: null,
      correlation_id: 'c-1',
    },
  );
  assert.equal(toLogDocument(JSON.stringify({ level: 30, time, msg: 'info' }), 'svc'), null);
  assert.equal(toLogDocument('{not json', 'svc'), null);
  assert.equal(toLogDocument('null', 'svc'), null);
  assert.equal(toLogDocument('42', 'svc'), null);
  const long = toLogDocument(JSON.stringify({ level: 40, msg: 'x'.repeat(10_000) }), 'svc');
  assert.equal(long?.message.length, 4000);
});
