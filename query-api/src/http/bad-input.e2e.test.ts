import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertRawProblem, rawExchange } from '@meetings/command-service/testing';
import { encodeCursor } from '../read/cursor.js';
import { apiClient, assertBadParameter, assertProblem, until } from '../testing/http.js';
import type { Get } from '../testing/http.js';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';

let api: QueryApiUnderTest;
let fx: ReadModelFixture;
let get: Get;
let user: TestViewer, admin: TestViewer;
let meetingId: string;

before(async () => {
  api = await startQueryApi();
  fx = new ReadModelFixture(api.db.url, api.redisUrl, api.redisPrefix);
  get = apiClient(api.baseUrl);
  [user, admin] = await Promise.all([fx.user(), fx.user('admin')]);
  meetingId = await fx.meeting(user.userId);
});

after(async () => {
  await fx?.close();
  await api?.stop();
});

const id = '0b6f1c3e-4d2a-4f7e-9a1b-2c3d4e5f6a7b';
const chatCursor = encodeCursor('chat', { t: '2030-01-01T00:00:00.000000Z', i: id });
const meetingCursor = encodeCursor('meetings', { t: '2030-01-01T00:00:00.000000Z', i: id });
const garbage = ['%%%', 'bm90IGpzb24', Buffer.from('{"k":"meetings","t":"x","i":"y"}').toString('base64url')];

const listings = ['/meetings', '/users/me/meetings'];
const perMeeting = (m: string) => [
  `/meetings/${m}`,
  `/meetings/${m}/recordings`,
  `/meetings/${m}/media-streams`,
  `/meetings/${m}/chat-messages`,
  `/meetings/${m}/media-server`,
  `/rooms/${m}`,
  `/meetings/${m}/documents`,
  `/meetings/${m}/documents/${id}/download`,
  `/meetings/${m}/recordings/${id}/download`,
];
const everyEndpoint = () => [
  ...listings,
  ...perMeeting(meetingId),
  '/stats/active-meetings',
  '/operation-logs',
  `/users/${id}/avatar`,
];

/** [query string, parameter the 400 must name] valid for every endpoint's query. */
const minPositionCases: [string, string][] = [
  ['minPosition=abc', 'query.minPosition'],
  ['minPosition=0', 'query.minPosition'],
  ['minPosition=-3', 'query.minPosition'],
  ['minPosition=1.5', 'query.minPosition'],
  ['minPosition=99999999999999999999', 'query.minPosition'],
  ['minPosition=424242', 'query.minPosition'], // no such event
  ['minPosition=1&minPosition=2', 'query.minPosition'],
];

describe('bad query parameters are 400 problems naming the parameter', () => {
  test('meeting listings: limit, status, hostId, from, to, cursor, unknown parameters', async () => {
    const cases: [string, string][] = [
      ['limit=0', 'query.limit'],
      ['limit=101', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['limit=', 'query.limit'],
      ['limit=1e1', 'query.limit'],
      ['limit=-1', 'query.limit'],
      ['limit=2.5', 'query.limit'],
      ['status=bogus', 'query.status'],
      ['status=started&status=ended', 'query.status'],
      ['hostId=not-a-uuid', 'query.hostId'],
      ['hostId=', 'query.hostId'],
      ['from=yesterday', 'query.from'],
      ['to=2030-13-45T00:00:00Z', 'query.to'],
      ['from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z', 'query.to'],
      [`cursor=${chatCursor}`, 'query.cursor'],
      ...garbage.map((g): [string, string] => [`cursor=${g}`, 'query.cursor']),
      ['hostid=x', 'query'],
    ];
    for (const path of listings) {
      for (const [query, parameter] of cases)
        assertBadParameter(await get(`${path}?${query}`, user.token), parameter);
    }
    const unknown = await get('/meetings?colour=blue', user.token);
    assert.match(JSON.stringify(unknown.body.errors), /colour/, 'the unknown parameter is named');
  });

  test('a bad meeting id in the path', async () => {
    for (const bad of ['not-a-uuid', '123', `${id}x`]) {
      for (const path of perMeeting(bad)) assertBadParameter(await get(path, user.token), 'params.meetingId');
    }
  });

  test('per-endpoint parameters', async () => {
    const cases: [string, string, TestViewer][] = [
      [`/meetings/${meetingId}/chat-messages?limit=500`, 'query.limit', user],
      [`/meetings/${meetingId}/chat-messages?cursor=${meetingCursor}`, 'query.cursor', user],
      [`/meetings/${meetingId}/chat-messages?cursor=%%%`, 'query.cursor', user],
      [`/meetings/${meetingId}/media-streams?status=open`, 'query.status', user],
      [`/meetings/${meetingId}?limit=5`, 'query', user],
      [`/rooms/${meetingId}?x=1`, 'query', user],
      ['/stats/active-meetings?all=true', 'query', user],
      [`/meetings/${meetingId}/documents/not-a-uuid/download`, 'params.documentId', user],
      [`/meetings/${meetingId}/recordings/${id}x/download`, 'params.recordingId', user],
      [`/meetings/${meetingId}/documents?name=x`, 'query', user],
      ['/users/not-a-uuid/avatar', 'params.userId', user],
      ['/operation-logs?actorUserId=bob', 'query.actorUserId', admin],
      ['/operation-logs?resourceType=', 'query.resourceType', admin],
      ['/operation-logs?limit=0', 'query.limit', admin],
      [`/operation-logs?cursor=${meetingCursor}`, 'query.cursor', admin],
      [
        `/operation-logs?cursor=${encodeCursor('operation-logs', { t: '2030-01-01T00:00:00Z', i: id })}`,
        'query.cursor',
        admin,
      ],
    ];
    for (const [path, parameter, viewer] of cases)
      assertBadParameter(await get(path, viewer.token), parameter);
  });

  test('minPosition on every endpoint, including a position no event has', async () => {
    for (const path of everyEndpoint()) {
      for (const [query, parameter] of minPositionCases) {
        const sep = path.includes('?') ? '&' : '?';
        assertBadParameter(await get(`${path}${sep}${query}`, admin.token), parameter);
      }
    }
  });

  test('every bad parameter of a request is named at once', async () => {
    assertBadParameter(
      await get('/meetings/nope/chat-messages?limit=0&minPosition=x', user.token),
      'params.meetingId',
      'query.limit',
      'query.minPosition',
    );
  });
});

describe('analytics without MONGO_URL', () => {
  test('answer 503 analytics-not-configured once the request is valid; bad parameters stay 400', async () => {
    for (const [path, viewer] of [
      [`/meetings/${meetingId}/analytics`, user],
      [`/meetings/${meetingId}/ai-results?analysisType=speaking_time`, user],
      ['/analytics/daily?from=2026-01-01&to=2026-01-31', admin],
    ] as [string, TestViewer][]) {
      assertProblem(await get(path, viewer.token), 503, 'analytics-not-configured');
    }
    assertBadParameter(await get('/analytics/daily?from=2026-02-30', admin.token), 'query.from');
    assertBadParameter(await get(`/meetings/${meetingId}/ai-results?limit=500`, user.token), 'query.limit');
    assertProblem(await get('/analytics/daily', user.token), 403, 'forbidden', 'admin-only');
    assertProblem(await get(`/meetings/${meetingId}/analytics`), 401, 'unauthenticated');
  });
});

describe('authentication and authorization', () => {
  test('every endpoint answers 401 without a valid bearer token, before looking at parameters', async () => {
    const revoked = await fx.user();
    await fx.revoke(revoked.token);
    const attempts: [string | undefined, Record<string, string>][] = [
      [undefined, {}],
      [undefined, { authorization: 'Bearer not-a-session' }],
      [undefined, { authorization: 'Basic dXNlcjpwYXNz' }],
      [undefined, { authorization: 'Bearer' }],
      [revoked.token, {}],
    ];
    for (const path of [...everyEndpoint(), '/meetings?limit=0']) {
      for (const [token, headers] of attempts) {
        const res = await get(path, token, headers);
        assertProblem(res, 401, 'unauthenticated');
        assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      }
    }
  });

  test('the audit trail is for admins: 403 for users, whatever the parameters', async () => {
    const someone = await fx.user();
    assertProblem(await get('/operation-logs', someone.token), 403, 'forbidden', 'admin-only');
    assertProblem(await get('/operation-logs?limit=0', someone.token), 403, 'forbidden', 'admin-only');
  });
});

describe('service endpoints', () => {
  test('health, unknown routes, a plain GET of /ws, correlation ids', async () => {
    assert.deepEqual((await get('/health/live')).body, { status: 'ok' });
    assert.deepEqual((await get('/health/ready')).body, { status: 'ok' });
    const someone = await fx.user();
    assertProblem(await get('/nowhere', someone.token), 404, 'not-found', 'route-not-found');
    const ws = await get('/ws?token=s3cr3t-t0ken', undefined, { authorization: 'Bearer s3cr3t-h3ader' });
    assertProblem(ws, 426, 'upgrade-required');
    assert.equal(ws.headers.get('upgrade'), 'websocket');
    const logged = () => api.logs.some((l) => JSON.stringify(l).includes('/ws?token='));
    await until('the request log', () => Promise.resolve(logged() || undefined));
    assert.doesNotMatch(JSON.stringify(api.logs), /s3cr3t/, 'tokens never reach the logs');
    const traced = await get(`/meetings/${randomUUID()}`, someone.token, { 'x-correlation-id': 'trace-123' });
    assert.equal(traced.headers.get('x-correlation-id'), 'trace-123');
  });

  test('GET /openapi.json documents every endpoint, its parameters and problems', async () => {
    const res = await get('/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.equal(doc.openapi, '3.1.0');
    const expected = [
      '/meetings',
      '/users/me/meetings',
      '/meetings/{meetingId}',
      '/meetings/{meetingId}/recordings',
      '/meetings/{meetingId}/media-streams',
      '/meetings/{meetingId}/chat-messages',
      '/meetings/{meetingId}/invitations',
      '/meetings/{meetingId}/media-server',
      '/stats/active-meetings',
      '/operation-logs',
      '/rooms/{meetingId}',
      '/configs',
      '/configs/{key}',
      '/meetings/{meetingId}/analytics',
      '/meetings/{meetingId}/ai-results',
      '/analytics/daily',
      '/meetings/{meetingId}/ai-tasks',
      '/ai-tasks/{taskId}',
      '/meetings/{meetingId}/documents',
      '/meetings/{meetingId}/documents/{documentId}/download',
      '/meetings/{meetingId}/recordings/{recordingId}/download',
      '/users/{userId}/avatar',
      '/ws',
    ];
    assert.deepEqual(Object.keys(doc.paths).sort(), expected.sort());
    for (const path of expected.filter((p) => p !== '/ws')) {
      const op = doc.paths[path].get;
      const names = op.parameters.map((p: any) => `${p.in}:${p.name}`);
      assert.ok(names.includes('query:minPosition'), `${path}: ${names.join(', ')}`);
      if (path.includes('{meetingId}')) assert.ok(names.includes('path:meetingId'), path);
      for (const status of ['200', '400', '401', '408', '431', '503'])
        assert.ok(op.responses[status], `${path} ${status}`);
      assert.deepEqual(op.security, [{ bearer: [] }]);
    }
    const params = Object.fromEntries(
      doc.paths['/meetings'].get.parameters.map((p: any) => [p.name, p.schema]),
    );
    for (const name of ['status', 'hostId', 'from', 'to', 'limit', 'cursor']) assert.ok(params[name], name);
    assert.deepEqual(params.limit, {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 20,
      description: 'Page size, 1 to 100 (default 20).',
    });
    assert.ok(doc.paths['/operation-logs'].get.responses['403']);
    assert.ok(
      doc.components.schemas.Meeting && doc.components.schemas.Room && doc.components.schemas.Problem,
    );
  });
});

describe('text no database can hold, malformed paths', () => {
  test('U+0000 in a query parameter: 400 naming it, after authentication', async () => {
    const cases: [string, string, TestViewer][] = [
      ['/operation-logs?resourceType=meet%00ing', 'query.resourceType', admin],
      ['/operation-logs?resourceId=%00', 'query.resourceId', admin],
      ['/meetings?status=%00', 'query.status', user],
      ['/meetings?cursor=a%00b', 'query.cursor', user],
      [`/meetings/${meetingId}/chat-messages?cursor=%00`, 'query.cursor', user],
      [`/meetings/${meetingId}?x=%00`, 'query.x', user],
      ['/meetings?status=live&status=%00', 'query.status.1', user],
      ['/meetings/%00', 'params.meetingId', user],
    ];
    for (const [path, parameter, viewer] of cases) {
      const res = await get(path, viewer.token);
      assertBadParameter(res, parameter);
      assert.match(res.body.detail, /U\+0000/);
      assertProblem(await get(path), 401, 'unauthenticated');
    }
  });

  test('malformed percent-encoding in the path: 400 malformed-uri, with or without a token', async () => {
    for (const path of [
      '/meetings/%ZZ',
      '/meetings/%E0%A4%A/recordings',
      '/rooms/%',
      '/meetings/%C0/chat-messages',
    ]) {
      assertProblem(await get(path, user.token), 400, 'malformed-uri');
      assertProblem(await get(path), 400, 'malformed-uri');
    }
  });
});

/** An answer read off a raw TCP connection, and how long after the first byte sent it closed. */
describe('requests the HTTP parser refuses: a problem, then the connection closes', () => {
  test('bad framing, an unknown method, a malformed header line: 400; headers over the limit: 431', async () => {
    for (const request of [
      'BREW /meetings HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /meetings HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'GET /meetings HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'GET /health/live FTP/9\r\n\r\n',
    ]) {
      assertRawProblem(await rawExchange(api.port, [request]), 400, 'bad-request');
    }
    const big = `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    assertRawProblem(await rawExchange(api.port, [big]), 431, 'headers-too-large');
  });

  test('no refused request was an internal error', () => {
    const failures = api.logs.filter((l) => typeof l.level === 'number' && l.level >= 50);
    assert.deepEqual(failures, []);
  });
});

describe('slow clients are cut after the configured timeouts', () => {
  let quick: QueryApiUnderTest;
  before(async () => {
    quick = await startQueryApi(
      { HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '300' },
      { shared: { db: api.db, redisPrefix: api.redisPrefix } },
    );
  });
  after(async () => {
    await quick?.stop();
  });

  test('headers sent slower than HTTP_HEADERS_TIMEOUT_MS: 408, disconnected', async () => {
    const dribble = [
      'GET /health/live HTTP/1.1\r\nHost: x\r\n',
      ...Array<string>(40).fill('X-Slow: 1\r\n'),
      '\r\n',
    ];
    const res = await rawExchange(quick.port, dribble, 100);
    assertRawProblem(res, 408, 'request-timeout');
    assert.ok(res.closedAfterMs >= 400 && res.closedAfterMs < 2500, `closed after ${res.closedAfterMs} ms`);
  });

  test('an idle keep-alive connection is closed after HTTP_KEEP_ALIVE_TIMEOUT_MS; prompt clients are served', async () => {
    const res = await rawExchange(quick.port, ['GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n']);
    assert.equal(res.status, 200);
    assert.ok(res.closedAfterMs < 2500, `closed after ${res.closedAfterMs} ms`);
    assert.deepEqual((await apiClient(quick.baseUrl)('/health/live')).body, { status: 'ok' });
  });
});
