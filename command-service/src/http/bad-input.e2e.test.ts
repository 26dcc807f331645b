import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  assertProblem,
  assertValidation,
  badPathValues,
  EventLog,
  meetingBody,
  newUsers,
  PASSWORD,
  pathOf,
  ROUTES,
} from '../testing/e2e.js';
import type { RouteCase, RouteIds, TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient, ApiResponse, RequestOptions } from '../testing/http-client.js';
import { assertRawProblem, rawExchange } from '../testing/raw-http.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

/**
 * Every endpoint against every kind of bad request. None of them may append an event, and every
 * answer is a problem document without a stack trace.
 */

const BODY_LIMIT = 64 * 1024;
const JSON_TYPE = { 'content-type': 'application/json' };

let svc: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;
let host: TestUser;
let participant: TestUser;
let outsider: TestUser;
let ids: RouteIds;
let eventsBefore: number;

before(async () => {
  svc = await startServiceProcess();
  api = apiClient(svc.baseUrl);
  log = new EventLog(svc.db.url);
  [host, participant, outsider] = await newUsers(api, 'host', 'part', 'outsider');

  // A started meeting with two participants besides the host and a recording running.
  const scheduled = await api.post(
    '/meetings',
    { title: 'Target', scheduledStartAt: '2030-01-01T09:00:00Z', settings: { access: 'open' } },
    { token: host.token },
  );
  assert.equal(scheduled.status, 201);
  const meetingId = scheduled.body.meetingId as string;
  for (const user of [participant, outsider]) {
    assert.equal(
      (await api.post(`/meetings/${meetingId}/join`, undefined, { token: user.token })).status,
      200,
    );
  }
  assert.equal(
    (await api.post(`/meetings/${meetingId}/start`, undefined, { token: host.token })).status,
    200,
  );
  const recording = await api.post(`/meetings/${meetingId}/recordings`, undefined, { token: host.token });
  assert.equal(recording.status, 201);
  ids = {
    meetingId,
    userId: participant.userId,
    recordingId: recording.body.recordingId,
    documentId: randomUUID(),
    key: 'bad-input.example',
  };
  eventsBefore = await log.count();
});

after(async () => {
  await log?.close();
  await svc?.stop();
});

/** Sends `route` with a valid body unless told otherwise, as the host unless told otherwise. */
function send(
  route: RouteCase,
  options: RequestOptions & { body?: unknown; as?: TestUser | null; ids?: Partial<RouteIds> } = {},
): Promise<ApiResponse> {
  const { as = host, body = route.body, ids: given, ...rest } = options;
  const path = pathOf(route, { ...ids, ...given });
  return api.request(route.method, path, body, { ...(as ? { token: as.token } : {}), ...rest });
}

const withParams = ROUTES.filter((r) => r.template.includes(':'));
const meetingRoutes = ROUTES.filter((r) => r.template.startsWith('/meetings/'));

for (const route of ROUTES) {
  describe(`${route.method} ${route.template} (${route.operationId})`, () => {
    if (route.auth) {
      test('without a bearer token: 401 with WWW-Authenticate', async () => {
        const res = await send(route, { as: null });
        assertProblem(res, 401, 'unauthenticated');
        assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      });
    }

    test('malformed JSON: 400 malformed-json', async () => {
      assertProblem(await send(route, { raw: '{"a":', headers: JSON_TYPE }), 400, 'malformed-json');
    });

    test(`a field of the wrong type: 400 naming ${route.wrongType.path}`, async () => {
      assertValidation(await send(route, { body: route.wrongType.body }), route.wrongType.path);
    });

    if (route.required.length > 0) {
      test(`missing required fields: 400 naming ${route.required.join(', ')}`, async () => {
        const paths = route.required.map((f) => `body.${f}`);
        assertValidation(await send(route, { body: {} }), ...paths);
        // No body at all is the same as an empty one.
        assertValidation(await send(route, { raw: '' }), ...paths);
        for (const field of route.required) {
          const body: Record<string, unknown> = { ...route.body };
          delete body[field];
          assertValidation(await send(route, { body }), `body.${field}`);
        }
      });
    } else if (['updateMyProfile', 'updateMeeting', 'changeMeetingSettings'].includes(route.operationId)) {
      test('an empty body: 400 (at least one field is required)', async () => {
        assertValidation(await send(route, { body: {} }), 'body');
        assertValidation(await send(route, { raw: '' }), 'body');
      });
    }

    test('an unknown extra field: 400 naming it', async () => {
      const res = await send(route, { body: { ...route.body, isAdmin: true } });
      assertValidation(res, 'body');
      assert.match(res.body.detail, /isAdmin/);
    });

    test(`a body over ${BODY_LIMIT} bytes: 413`, async () => {
      const raw = JSON.stringify({ ...route.body, padding: 'x'.repeat(BODY_LIMIT + 1) });
      const res = await send(route, { raw, headers: JSON_TYPE });
      const problem = assertProblem(res, 413, 'payload-too-large');
      assert.equal(problem.limit, BODY_LIMIT);
    });

    test('a body that is not JSON: 415', async () => {
      const raw = JSON.stringify(route.body ?? {});
      assertProblem(
        await send(route, { raw, headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported-media-type',
      );
      assertProblem(
        await send(route, { raw, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        415,
        'unsupported-media-type',
      );
      assertProblem(
        await send(route, { raw, headers: { 'content-type': 'application/json; charset=latin1' } }),
        415,
        'unsupported-media-type',
      );
    });

    if (route.ifMatch) {
      test('a malformed If-Match: 400 invalid-header', async () => {
        for (const value of ['3', '"three"', '"1", "2"', 'W/3']) {
          const res = await send(route, { headers: { 'if-match': value } });
          const problem = assertProblem(res, 400, 'invalid-header');
          assert.equal(problem.header, 'If-Match', value);
        }
      });
    }

    // Log-in and log-out ignore the header (see accounts.e2e.test.ts): nothing to refuse there.
    if (route.idempotent !== false) {
      test('a malformed Idempotency-Key: 400 invalid-header', async () => {
        for (const value of ['two words', 'k'.repeat(256)]) {
          const res = await send(route, { headers: { 'idempotency-key': value } });
          const problem = assertProblem(res, 400, 'invalid-header');
          assert.equal(problem.header, 'Idempotency-Key');
        }
      });
    }
  });
}

describe('invalid path ids', () => {
  for (const route of withParams) {
    const names = [...route.template.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    for (const name of names) {
      test(`${route.operationId}: :${name} malformed → 400 naming params.${name}`, async () => {
        for (const bad of badPathValues(name)) {
          const res = await send(route, { ids: { [name]: bad } });
          assertValidation(res, `params.${name}`);
          const errors = res.body.errors as { path: string }[];
          assert.ok(errors.every((e) => e.path !== `params.${names.find((n) => n !== name)}`));
        }
      });
    }
  }
});

describe('permissions', () => {
  for (const route of ROUTES.filter((r) => r.forbiddenRule)) {
    test(`${route.operationId} by a participant who is not a host: 403 ${route.forbiddenRule}`, async () => {
      const res = await send(route, { as: outsider });
      assertProblem(res, 403, 'forbidden', route.forbiddenRule);
    });
  }

  test('nobody, not even the host, turns someone else’s microphone or camera on', async () => {
    for (const verb of ['unmute', 'video-on']) {
      const res = await api.post(
        `/meetings/${ids.meetingId}/participants/${participant.userId}/${verb}`,
        undefined,
        {
          token: host.token,
        },
      );
      assertProblem(res, 403, 'forbidden');
    }
  });
});

describe('unknown meetings', () => {
  for (const route of meetingRoutes) {
    test(`${route.operationId} on a meeting that does not exist: 404 meeting-not-found`, async () => {
      const res = await send(route, { ids: { meetingId: randomUUID() } });
      assertProblem(res, 404, 'not-found', 'meeting-not-found');
    });
  }
});

/** An answer read off a raw TCP connection, and how long after the first byte sent it closed. */
/** Sends `body` (already encoded) with a Content-Encoding, as fetch would not compress it itself. */
async function sendEncoded(path: string, body: Buffer, encoding: string): Promise<ApiResponse> {
  const res = await fetch(`${svc.baseUrl}${path}`, {
    method: 'POST',
    headers: { ...JSON_TYPE, 'content-encoding': encoding, authorization: `Bearer ${host.token}` },
    body,
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    contentType,
    body: contentType.includes('json') ? JSON.parse(text) : text,
  };
}

describe('text no database can hold: U+0000 and lone surrogates', () => {
  for (const route of ROUTES.filter((r) => r.body)) {
    const fields = Object.entries(route.body!)
      .filter(([, v]) => typeof v === 'string')
      .map(([k]) => k);
    if (fields.length === 0) continue;
    test(`${route.operationId}: in ${fields.join(', ')} → 400 naming the field`, async () => {
      for (const field of fields) {
        for (const bad of ['a\u0000b', '\u0000', 'x\ud800', '\udfffy', 'end \ud83d']) {
          // JSON.stringify escapes a lone surrogate (\ud800): the server parses it back to one.
          const res = await send(route, { body: { ...route.body, [field]: bad } });
          assertValidation(res, `body.${field}`);
          assert.match(res.body.detail, /U\+0000|surrogate/);
        }
      }
    });
  }

  test('the raw body {"title":"\\ud800"}, nested strings, member names, a query parameter', async () => {
    const token = { token: host.token };
    const raw = '{"title":"\\ud800","scheduledStartAt":"2030-01-01T09:00:00Z"}';
    assertValidation(
      await api.post('/meetings', undefined, { ...token, raw, headers: JSON_TYPE }),
      'body.title',
    );
    const nested = await api.post('/meetings', meetingBody({ settings: { 'mute\u0000': true } }), token);
    assertValidation(nested, 'body.settings');
    const array = await api.post('/meetings', meetingBody({ tags: ['ok', 'no\u0000'] }), token);
    assertValidation(array, 'body.tags.1');
    assertValidation(await api.post('/meetings?x=%00', meetingBody(), token), 'query.x');
    assertValidation(await api.post('/sessions?u=a%00b', { username: 'x', password: 'y' }), 'query.u');
  });

  test('log-in names and passwords, without any token', async () => {
    assertValidation(
      await api.post('/sessions', { username: 'ali\u0000ce', password: PASSWORD }),
      'body.username',
    );
    assertValidation(
      await api.post('/sessions', { username: host.username, password: 'p\u0000w' }),
      'body.password',
    );
    assertValidation(
      await api.post('/sessions', { username: '\ud800', password: PASSWORD }),
      'body.username',
    );
  });
});

describe('malformed percent-encoding in the path: 400', () => {
  for (const path of [
    '/meetings/%ZZ/start',
    '/meetings/%E0%A4%A/start',
    '/meetings/%/join',
    '/users/%C0/role',
  ]) {
    test(path, async () => {
      for (const token of [host.token, undefined]) {
        const res = await api.request(
          path.endsWith('role') ? 'PUT' : 'POST',
          path,
          undefined,
          token ? { token } : {},
        );
        assertProblem(res, 400, 'malformed-uri');
      }
    });
  }
});

describe('compressed bodies: gzip, deflate and br are decoded; a corrupt stream is 400', () => {
  const json = () => Buffer.from(JSON.stringify(meetingBody({ title: 'Compressed' })));
  test('each supported encoding is decoded', async () => {
    for (const [encoding, encode] of [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const) {
      const res = await sendEncoded('/meetings', encode(json()), encoding);
      assert.equal(res.status, 201, `${encoding}: ${JSON.stringify(res.body)}`);
    }
    eventsBefore = await log.count(); // those three meetings were meant
  });

  test('a corrupt or truncated stream: 400 malformed-body', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      assertProblem(await sendEncoded('/meetings', json(), encoding), 400, 'malformed-body');
    }
    const truncated = gzipSync(json()).subarray(0, 20);
    assertProblem(await sendEncoded('/meetings', truncated, 'gzip'), 400, 'malformed-body');
    // NUL hidden under compression is still found.
    const hidden = gzipSync(Buffer.from(JSON.stringify(meetingBody({ title: 'a\u0000' }))));
    assertValidation(await sendEncoded('/meetings', hidden, 'gzip'), 'body.title');
  });

  test(`a body inflating past ${BODY_LIMIT} bytes: 413`, async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify(meetingBody({ padding: 'x'.repeat(10 * BODY_LIMIT) }))));
    assert.ok(bomb.length < BODY_LIMIT);
    assertProblem(await sendEncoded('/meetings', bomb, 'gzip'), 413, 'payload-too-large');
  });

  test('an unknown or stacked encoding: 415', async () => {
    for (const encoding of ['compress', 'zstd', 'gzip, br', 'x-unknown']) {
      assertProblem(await sendEncoded('/meetings', json(), encoding), 415, 'unsupported-media-type');
    }
  });
});

describe('requests the HTTP parser refuses: a problem, then the connection closes', () => {
  test('bad framing, an unknown method, a malformed header line: 400', async () => {
    for (const request of [
      'BREW /meetings HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      // The headers are fine, so the request is routed; the parser fails on the body as it is read.
      'POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'GET /health/live FTP/9\r\n\r\n',
    ]) {
      assertRawProblem(await rawExchange(svc.port, [request]), 400, 'bad-request');
    }
  });

  test('headers over the limit: 431', async () => {
    const request = `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    assertRawProblem(await rawExchange(svc.port, [request]), 431, 'headers-too-large');
  });
});

describe('slow clients are cut after the configured timeouts', () => {
  let quick: ServiceUnderTest;
  before(async () => {
    quick = await startServiceProcess(
      { HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '300' },
      { shared: { db: svc.db, redisPrefix: svc.redisPrefix } },
    );
  });
  after(async () => {
    await quick?.stop();
  });

  test('headers sent slower than HTTP_HEADERS_TIMEOUT_MS: 408, disconnected', async () => {
    const dribble = ['GET /health/live HTTP/1.1\r\nHost: x\r\n', ...Array(40).fill('X-Slow: 1\r\n'), '\r\n'];
    const res = await rawExchange(quick.port, dribble, 100);
    assertRawProblem(res, 408, 'request-timeout');
    assert.ok(res.closedAfterMs >= 400 && res.closedAfterMs < 2500, `closed after ${res.closedAfterMs} ms`);
  });

  test('a body sent slower than HTTP_REQUEST_TIMEOUT_MS: disconnected', async () => {
    const head = `POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    const res = await rawExchange(quick.port, [head, ...Array(60).fill(' ')], 100);
    assert.ok(res.closedAfterMs >= 900 && res.closedAfterMs < 3500, `closed after ${res.closedAfterMs} ms`);
  });

  test('an idle keep-alive connection is closed after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const res = await rawExchange(quick.port, ['GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n']);
    assert.equal(res.status, 200);
    assert.ok(res.closedAfterMs < 2500, `closed after ${res.closedAfterMs} ms`);
  });

  test('a prompt client is served as usual, and no cut was an internal error', async () => {
    const res = await apiClient(quick.baseUrl).get('/health/live');
    assert.equal(res.status, 200);
    const failures = quick.logs.filter((l) => typeof l.level === 'number' && l.level >= 50);
    assert.deepEqual(failures, []);
  });
});

describe('the rest of the surface', () => {
  test('unknown paths and methods: 404 problem', async () => {
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['GET', '/meetings'],
      ['POST', '/meetings/x/y/z'],
      ['DELETE', `/meetings/${randomUUID()}`],
    ] as const) {
      const res = await api.request(method, path, undefined, { token: host.token });
      assertProblem(res, 404, 'not-found', 'route-not-found');
    }
  });

  test('a JSON body that is not an object: 400', async () => {
    for (const raw of ['null', '"text"', '42', 'true']) {
      const res = await api.post('/meetings', undefined, { token: host.token, raw, headers: JSON_TYPE });
      assertValidation(res, 'body');
    }
  });

  test('values out of range: 400 naming the field', async () => {
    const schedule = (body: Record<string, unknown>) =>
      api.post(
        '/meetings',
        { title: 'Range', scheduledStartAt: '2030-01-01T09:00:00Z', ...body },
        { token: host.token },
      );
    assertValidation(await schedule({ title: '   ' }), 'body.title');
    assertValidation(await schedule({ title: 't'.repeat(201) }), 'body.title');
    assertValidation(await schedule({ scheduledStartAt: 'tomorrow' }), 'body.scheduledStartAt');
    assertValidation(await schedule({ maxParticipants: 2.5 }), 'body.maxParticipants');
    assertValidation(await schedule({ maxParticipants: 1001 }), 'body.maxParticipants');
    assertValidation(await schedule({ settings: { muteOnJoin: 'yes' } }), 'body.settings.muteOnJoin');
    assertValidation(await schedule({ settings: { record: true } }), 'body.settings');
    const register = await api.post('/users', { username: 'a b', email: 'not-an-email', password: 'short' });
    assertValidation(register, 'body.username', 'body.email', 'body.password');
    const chat = await api.post(
      `/meetings/${ids.meetingId}/chat-messages`,
      { text: 'x'.repeat(4001), recipientId: 'bob' },
      { token: host.token },
    );
    assertValidation(chat, 'body.text', 'body.recipientId');
  });

  test('none of the refused requests appended an event or failed inside, and the sessions still work', async () => {
    assert.equal(await log.count(), eventsBefore);
    const failures = svc.logs.filter((l) => typeof l.level === 'number' && l.level >= 50);
    assert.deepEqual(failures, [], 'no request ended in an internal error');
    const res = await api.patch('/users/me', { displayName: 'Still logged in' }, { token: host.token });
    assert.equal(res.status, 200);
  });
});
