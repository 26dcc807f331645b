import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpProblem } from './problem.js';
import { bearerToken, parseIdempotencyKey, parseIfMatch } from './request-checks.js';

test('If-Match takes one strong or weak tag holding a version', () => {
  assert.equal(parseIfMatch(undefined), undefined);
  assert.equal(parseIfMatch('"7"'), 7);
  assert.equal(parseIfMatch('W/"0"'), 0);
  for (const bad of ['7', '"x"', '"1", "2"', '*', '""']) {
    assert.throws(
      () => parseIfMatch(bad),
      (e: unknown) => e instanceof HttpProblem && e.status === 400,
      bad,
    );
  }
});

test('Idempotency-Key is 1-255 visible ASCII characters', () => {
  assert.equal(parseIdempotencyKey('a-b_c.9'), 'a-b_c.9');
  for (const bad of ['', 'has space', 'x'.repeat(256), 'é']) {
    assert.throws(() => parseIdempotencyKey(bad), HttpProblem, JSON.stringify(bad));
  }
});

test('bearer tokens', () => {
  assert.equal(bearerToken('Bearer abc-_DEF'), 'abc-_DEF');
  assert.equal(bearerToken('bearer abc'), 'abc');
  assert.equal(bearerToken('Basic abc'), null);
  assert.equal(bearerToken(undefined), null);
});
