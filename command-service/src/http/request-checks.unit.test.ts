import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpProblem } from './problem.js';
import {
  bearerToken,
  MAX_TEXT_ERRORS,
  parseIdempotencyKey,
  parseIfMatch,
  problemFromRequestError,
  unstorableStrings,
  unstorableText,
} from './request-checks.js';

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

test('text a database cannot hold: NUL and lone surrogates', () => {
  for (const ok of ['', 'plain', 'é ü 日本', '😀 emoji pair \ud83d\ude00', '\u0001 control'])
    assert.equal(unstorableText(ok), undefined, JSON.stringify(ok));
  for (const bad of ['\u0000', 'a\u0000b', '\ud800', 'x\udc00', 'end \ud83d', '\ude00\ud83d'])
    assert.match(unstorableText(bad) ?? '', /U\+0000|surrogate/, JSON.stringify(bad));
});

test('every string of a parsed body is walked and named by its path', () => {
  const body = JSON.parse(
    '{"title":"\\ud800","ok":"fine","settings":{"name":"a\\u0000b","n":1,"flag":true,"none":null},' +
      '"list":["x","\\udfff",["deep\\u0000"]],"k\\u0000ey":"v"}',
  ) as unknown;
  const paths = unstorableStrings(body, 'body').map((e) => e.path);
  // An object's member names are checked as it is reached, before its values.
  assert.deepEqual(paths, ['body', 'body.title', 'body.settings.name', 'body.list.1', 'body.list.2.0']);
  assert.deepEqual(unstorableStrings({ a: 'ok', b: ['ok'] }, 'body'), []);
  for (const scalar of [undefined, null, 1, true, 'fine'])
    assert.deepEqual(unstorableStrings(scalar, 'body'), []);
  assert.deepEqual(unstorableStrings('\u0000', 'body'), [
    { path: 'body', message: 'must not contain the character U+0000 (NUL)' },
  ]);
  // A query object: strings and arrays of strings.
  assert.deepEqual(
    unstorableStrings({ q: 'a\u0000', r: ['ok', '\u0000'] }, 'query').map((e) => e.path),
    ['query.q', 'query.r.1'],
  );
});

test('the walk survives deep nesting and names a bounded number of strings', () => {
  const depth = 50_000;
  const deep = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`) as unknown;
  const [error] = unstorableStrings(deep, 'body');
  assert.equal(error?.path.split('.').length, depth + 1);
  const many = Array.from({ length: 1000 }, () => '\u0000');
  assert.equal(unstorableStrings(many, 'body').length, MAX_TEXT_ERRORS);
});

test('request errors of express and its body parser become client problems', () => {
  const uri = problemFromRequestError(Object.assign(new URIError('Failed to decode param'), { status: 400 }));
  assert.equal(uri?.status, 400);
  assert.equal(uri?.type, 'malformed-uri');
  assert.equal(problemFromRequestError({ type: 'entity.parse.failed' })?.type, 'malformed-json');
  assert.equal(problemFromRequestError({ type: 'entity.too.large' }, 10)?.status, 413);
  assert.equal(problemFromRequestError({ type: 'encoding.unsupported', encoding: 'zz' })?.status, 415);
  assert.equal(problemFromRequestError({ type: 'charset.unsupported' })?.status, 415);
  const corrupt = problemFromRequestError(
    Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' }),
  );
  assert.equal(corrupt?.status, 400);
  assert.equal(corrupt?.type, 'malformed-body');
  const brotli = problemFromRequestError(
    Object.assign(new Error('Decompression failed'), { code: 'ERR__ERROR_FORMAT_PADDING_2' }),
  );
  assert.equal(brotli?.type, 'malformed-body');
  assert.equal(problemFromRequestError({ type: 'request.aborted' })?.status, 400);
  assert.equal(problemFromRequestError(new Error('boom')), undefined);
  assert.equal(problemFromRequestError('boom'), undefined);
});
