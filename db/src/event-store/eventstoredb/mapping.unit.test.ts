import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANY, NO_STREAM, START as ESDB_START, STREAM_EXISTS } from '@eventstore/db-client';
import type { RecordedEvent } from '@eventstore/db-client';
import {
  compareCheckpoints,
  formatCheckpoint,
  matchesFilter,
  parseCheckpoint,
  START,
} from '@meetings/events';
import { newEvents } from '../test-events.js';
import { ForeignEventError, isSystemEvent, toEnvelope, toEventData } from './envelope.js';
import { serverFilter } from './filters.js';
import { isAfter, toCheckpoint, toExpectedRevision, toReadPosition, toVersion } from './positions.js';

describe('EventStoreDB positions', () => {
  test('a (commit, prepare) position survives the projection checkpoint’s text form', () => {
    const position = { commit: 9_007_199_254_740_991n, prepare: 9_007_199_254_740_990n };
    const stored = formatCheckpoint(toCheckpoint(position));
    assert.equal(stored, '9007199254740991:9007199254740990');
    assert.deepEqual(toReadPosition(parseCheckpoint(stored)), position);
    assert.equal(toReadPosition(START), ESDB_START);
    assert.throws(() => toCheckpoint({ commit: 2n ** 53n, prepare: 0n }), RangeError);
  });

  test('checkpoints order as $all does: by commit, then prepare', () => {
    const a = toCheckpoint({ commit: 100n, prepare: 90n });
    const b = toCheckpoint({ commit: 100n, prepare: 95n });
    const c = toCheckpoint({ commit: 120n, prepare: 10n });
    assert.ok(compareCheckpoints(a, b) < 0 && compareCheckpoints(b, c) < 0);
    assert.ok(isAfter({ commit: 100n, prepare: 95n }, a));
    assert.ok(!isAfter({ commit: 100n, prepare: 90n }, a));
    assert.ok(isAfter({ commit: 1n, prepare: 1n }, START));
  });

  test('expected versions (from 1) become revisions (from 0)', () => {
    assert.equal(toExpectedRevision('any'), ANY);
    assert.equal(toExpectedRevision('stream_exists'), STREAM_EXISTS);
    assert.equal(toExpectedRevision('no_stream'), NO_STREAM);
    assert.equal(toExpectedRevision(0), NO_STREAM);
    assert.equal(toExpectedRevision(5), 4n);
    assert.throws(() => toExpectedRevision(-1), RangeError);
    assert.throws(() => toExpectedRevision(1.5), RangeError);
    assert.equal(toVersion(NO_STREAM), 0);
    assert.equal(toVersion(4n), 5);
  });
});

describe('EventStoreDB envelope', () => {
  test('what is written reads back as the same envelope', () => {
    const [event] = newEvents(1, 'MeetingScheduled');
    const written = { ...event!, schemaVersion: 2, metadata: { ...event!.metadata, causationId: 'c1' } };
    const data = toEventData(written);
    assert.equal(data.id, written.eventId);
    assert.equal(data.contentType, 'application/json');
    const recorded = {
      streamId: 'meeting-1',
      id: data.id,
      isJson: true,
      revision: 6n,
      type: data.type,
      created: new Date(0),
      data: data.data,
      metadata: JSON.parse(JSON.stringify(data.metadata)) as unknown,
      position: { commit: 500n, prepare: 480n },
    } as RecordedEvent;
    assert.deepEqual(toEnvelope(recorded), {
      ...written,
      streamId: 'meeting-1',
      streamVersion: 7,
      globalPosition: 480,
      checkpoint: { transactionId: 500, globalPosition: 480 },
    });
    assert.throws(() => toEnvelope({ ...recorded, metadata: {} }), ForeignEventError);
    assert.throws(() => toEnvelope({ ...recorded, position: undefined }), ForeignEventError);
  });

  test('system streams and types are not the application’s', () => {
    assert.ok(isSystemEvent({ streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' }));
    assert.ok(isSystemEvent({ streamId: 'meeting-1', type: '$>' }));
    assert.ok(!isSystemEvent({ streamId: 'meeting-1', type: 'MeetingScheduled' }));
  });
});

describe('EventStoreDB filters', () => {
  const events = [
    { streamId: 'meeting-1', type: 'A' },
    { streamId: 'meeting', type: 'B' },
    { streamId: 'meetings-1', type: 'A' },
    { streamId: 'user-2', type: 'B' },
    { streamId: '$settings', type: 'A' },
    { streamId: 'user-3', type: '$>' },
    { streamId: 'a.b-1', type: 'A' },
  ];
  const cases = [
    undefined,
    { categories: ['meeting'] },
    { excludeCategories: ['meeting', 'a.b'] },
    { categories: ['a.b', 'user'], eventTypes: ['B'] },
    { eventTypes: ['A'] },
  ];

  test('the server-side regex keeps every event the client-side filter keeps, and no system event', () => {
    for (const filter of cases) {
      const server = serverFilter(filter, 32);
      assert.ok('regex' in server);
      const regex = new RegExp(server.regex);
      for (const e of events) {
        const subject = server.filterOn === 'streamName' ? e.streamId : e.type;
        const kept = matchesFilter(filter, e) && !isSystemEvent(e);
        if (kept) assert.ok(regex.test(subject), `${JSON.stringify(filter)} drops ${JSON.stringify(e)}`);
        // The server may let through what the client then drops, never a system stream or type.
        if (isSystemEvent(e) && subject.startsWith('$')) assert.ok(!regex.test(subject));
      }
    }
  });

  test('categories are the part before the first "-", as in PostgreSQL', () => {
    const kept = events.filter((e) => matchesFilter({ categories: ['meeting'] }, e)).map((e) => e.streamId);
    assert.deepEqual(kept, ['meeting-1', 'meeting']);
    const regex = new RegExp((serverFilter({ categories: ['meeting'] }, 32) as { regex: string }).regex);
    assert.ok(!regex.test('meetings-1'));
    assert.ok(
      !regex.test('a.b-1') &&
        new RegExp((serverFilter({ categories: ['a.b'] }, 32) as { regex: string }).regex).test('a.b-1'),
    );
  });
});
