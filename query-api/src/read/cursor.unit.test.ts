import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCursor, encodeCursor, InvalidCursor, page } from './cursor.js';

const id = '0b6f1c3e-4d2a-4f7e-9a1b-2c3d4e5f6a7b';
const key = { t: '2030-01-07T09:00:00.123456Z', i: id };

test('a cursor round-trips its key, microseconds included', () => {
  const cursor = encodeCursor('meetings', key);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'base64url, safe in a query string');
  assert.deepEqual(decodeCursor('meetings', cursor), key);
});

test('operation-log cursors carry a numeric id', () => {
  const cursor = encodeCursor('operation-logs', { t: key.t, i: '42' });
  assert.deepEqual(decodeCursor('operation-logs', cursor), { t: key.t, i: '42' });
  assert.throws(() => decodeCursor('operation-logs', encodeCursor('operation-logs', { t: key.t, i: id })));
});

test('a cursor of another listing is refused', () => {
  assert.throws(() => decodeCursor('chat', encodeCursor('meetings', key)), InvalidCursor);
});

test('malformed cursors are refused, never crash', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const bad = [
    '',
    'not base64!',
    '%%%',
    Buffer.from('not json').toString('base64url'),
    b64(null),
    b64([1, 2]),
    b64('string'),
    b64({ k: 'meetings', t: 'yesterday', i: id }),
    b64({ k: 'meetings', t: '2030-13-45T99:00:00Z', i: id }),
    b64({ k: 'meetings', t: key.t, i: 'not-a-uuid' }),
    b64({ k: 'meetings', t: key.t, i: "x'; DROP TABLE meetings; --" }),
    b64({ k: 'meetings', t: key.t }),
    b64({ t: key.t, i: id }),
    'A'.repeat(600),
  ];
  for (const cursor of bad) assert.throws(() => decodeCursor('meetings', cursor), InvalidCursor, cursor);
});

test('page() returns the next cursor only when more rows follow', () => {
  const rows = [1, 2, 3].map((n) => ({ n, t: `2030-01-0${n}T00:00:00.000000Z`, i: id }));
  const full = page(
    rows,
    2,
    'meetings',
    (r) => ({ t: r.t, i: r.i }),
    (r) => r.n,
  );
  assert.deepEqual(full.items, [1, 2]);
  assert.deepEqual(decodeCursor('meetings', full.nextCursor!), { t: rows[1]!.t, i: id });
  const last = page(
    rows.slice(0, 2),
    2,
    'meetings',
    (r) => ({ t: r.t, i: r.i }),
    (r) => r.n,
  );
  assert.deepEqual(last, { items: [1, 2], nextCursor: null });
  assert.deepEqual(
    page(
      [],
      5,
      'chat',
      () => ({ t: '', i: '' }),
      (r) => r,
    ),
    { items: [], nextCursor: null },
  );
});

test('a forged cursor carrying a date PostgreSQL cannot hold is refused, not sent to the database', () => {
  for (const t of ['2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T25:00:00Z']) {
    assert.throws(() => decodeCursor('meetings', encodeCursor('meetings', { t, i: id })), InvalidCursor, t);
  }
});
