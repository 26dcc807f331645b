import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertProblem, assertValidation, EventLog, newUsers, pathOf, ROUTES } from '../testing/e2e.js';
import type { RouteCase, RouteIds, TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient, ApiResponse, RequestOptions } from '../testing/http-client.js';
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
    { title: 'Target', scheduledStartAt: '2030-01-01T09:00:00Z' },
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
  ids = { meetingId, userId: participant.userId, recordingId: recording.body.recordingId };
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
    } else if (['updateMyProfile', 'updateMeeting'].includes(route.operationId)) {
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
      test(`${route.operationId}: :${name} not a UUID → 400 naming params.${name}`, async () => {
        for (const bad of ['not-a-uuid', '42', `${randomUUID()}x`]) {
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

  test('none of the refused requests appended an event, and the sessions still work', async () => {
    assert.equal(await log.count(), eventsBefore);
    const res = await api.patch('/users/me', { displayName: 'Still logged in' }, { token: host.token });
    assert.equal(res.status, 200);
  });
});
