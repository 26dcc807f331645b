import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../config.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

/** CORS_ORIGINS: a browser page of a listed origin may call the command API; any other may not. */

const PAGE = 'http://127.0.0.1:3003';
const OTHER = 'http://127.0.0.1:4444';

let svc: ServiceUnderTest;

before(async () => {
  svc = await startServiceProcess({ CORS_ORIGINS: `${PAGE}, https://meetings.example` });
});
after(() => svc?.stop());

/** A browser's preflight before a JSON command with a bearer token and an idempotency key. */
const preflight = (origin: string) =>
  fetch(`${svc.baseUrl}/meetings`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });

test('a preflight from a listed origin is allowed: methods, request headers, no credentials', async () => {
  const res = await preflight(PAGE);
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), PAGE);
  assert.equal(res.headers.get('access-control-allow-credentials'), null);
  assert.match(res.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
  const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
  for (const header of ['authorization', 'content-type', 'idempotency-key', 'if-match']) {
    assert.ok(allowed.includes(header), `${header} in ${allowed.join(',')}`);
  }
  assert.match(res.headers.get('vary') ?? '', /Origin/);
});

test('an answer to a listed origin exposes ETag, Location and Retry-After', async () => {
  const res = await fetch(`${svc.baseUrl}/health/live`, { headers: { origin: PAGE } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), PAGE);
  const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(',');
  for (const header of ['etag', 'location', 'retry-after']) assert.ok(exposed.includes(header), header);
});

test('another origin gets no CORS header, its preflight included', async () => {
  const res = await preflight(OTHER);
  assert.equal(res.status, 404);
  for (const name of ['allow-origin', 'allow-methods', 'allow-headers', 'expose-headers']) {
    assert.equal(res.headers.get(`access-control-${name}`), null, name);
  }
  assert.match(res.headers.get('vary') ?? '', /Origin/);
  const plain = await fetch(`${svc.baseUrl}/health/live`, { headers: { origin: OTHER } });
  assert.equal(plain.headers.get('access-control-allow-origin'), null);
});

test('CORS_ORIGINS: none by default; each entry must be an exact origin', () => {
  assert.deepEqual(loadConfig({}).CORS_ORIGINS, []);
  assert.deepEqual(loadConfig({ CORS_ORIGINS: 'http://a.example:8080,https://b.example' }).CORS_ORIGINS, [
    'http://a.example:8080',
    'https://b.example',
  ]);
  for (const wrong of ['http://a.example/', 'http://a.example/app', 'a.example', '*']) {
    assert.throws(() => loadConfig({ CORS_ORIGINS: wrong }), ConfigError, wrong);
  }
});
