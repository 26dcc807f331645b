import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../config.js';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';

/** CORS_ORIGINS: a browser page of a listed origin may read the query API; any other may not. */

const PAGE = 'http://127.0.0.1:3003';
const OTHER = 'http://127.0.0.1:4444';

let api: QueryApiUnderTest;

before(async () => {
  api = await startQueryApi({ CORS_ORIGINS: PAGE });
});
after(() => api?.stop());

/** A browser's preflight before a read with a bearer token. */
const preflight = (origin: string) =>
  fetch(`${api.baseUrl}/meetings`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });

test('a preflight from a listed origin is allowed to send a bearer token', async () => {
  const res = await preflight(PAGE);
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), PAGE);
  assert.equal(res.headers.get('access-control-allow-credentials'), null);
  assert.match(res.headers.get('access-control-allow-methods') ?? '', /\bGET\b/);
  assert.match((res.headers.get('access-control-allow-headers') ?? '').toLowerCase(), /\bauthorization\b/);
  assert.match(res.headers.get('vary') ?? '', /Origin/);
});

test('an answer to a listed origin exposes ETag and Retry-After', async () => {
  const res = await fetch(`${api.baseUrl}/health/live`, { headers: { origin: PAGE } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), PAGE);
  const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(',');
  for (const header of ['etag', 'retry-after']) assert.ok(exposed.includes(header), header);
});

test('another origin gets no CORS header, its preflight included', async () => {
  const res = await preflight(OTHER);
  assert.equal(res.status, 404);
  for (const name of ['allow-origin', 'allow-methods', 'allow-headers', 'expose-headers']) {
    assert.equal(res.headers.get(`access-control-${name}`), null, name);
  }
  const plain = await fetch(`${api.baseUrl}/health/live`, { headers: { origin: OTHER } });
  assert.equal(plain.headers.get('access-control-allow-origin'), null);
});

test('CORS_ORIGINS: none by default; each entry must be an exact origin', () => {
  assert.deepEqual(loadConfig({}).CORS_ORIGINS, []);
  assert.deepEqual(loadConfig({ CORS_ORIGINS: PAGE }).CORS_ORIGINS, [PAGE]);
  assert.throws(() => loadConfig({ CORS_ORIGINS: `${PAGE}/` }), ConfigError);
});
