import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StorableDateTime, storableDateTimeProblem } from './common.js';

test('date-times every store holds are accepted, at both ends of the range and with any real offset', () => {
  for (const ok of [
    '1970-01-01T00:00:00Z',
    '1970-01-01T14:00:00+14:00', // the same instant as the earliest
    '9999-12-31T23:59:59.999Z',
    '2028-02-29T12:00:00Z', // a leap day
    '2026-11-30T09:00:00-12:00',
    '2026-11-30T09:00:00+05:45',
  ]) {
    assert.equal(storableDateTimeProblem(ok), null, ok);
    assert.ok(StorableDateTime.safeParse(ok).success, ok);
  }
});

test('dates PostgreSQL, MongoDB or a JS Date cannot hold, impossible dates and offsets are refused with the reason', () => {
  const cases: [string, RegExp][] = [
    ['0000-01-01T00:00:00Z', /between 1970/],
    ['1969-12-31T23:59:59Z', /between 1970/],
    ['1970-01-01T00:00:00+00:01', /between 1970/], // a minute before the epoch
    ['9999-12-31T23:59:59-00:01', /between 1970/],
    ['2026-02-30T00:00:00Z', /calendar date/],
    ['2027-02-29T00:00:00Z', /calendar date/],
    ['2026-13-01T00:00:00Z', /calendar date/],
    ['2026-04-31T00:00:00Z', /calendar date/],
    ['2026-01-01T24:00:00Z', /time of day/],
    ['2026-01-01T00:00:00+23:59', /±14:00/],
    ['2026-01-01T00:00:00+14:01', /±14:00/],
    ['2026-01-01T00:00:00-15:00', /±14:00/],
    ['2026-01-01', /ISO 8601/],
    ['yesterday', /ISO 8601/],
  ];
  for (const [bad, reason] of cases) {
    assert.match(storableDateTimeProblem(bad) ?? 'accepted', reason, bad);
    assert.equal(StorableDateTime.safeParse(bad).success, false, bad);
  }
});
