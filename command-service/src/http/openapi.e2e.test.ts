import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CancelMeetingBody,
  ChangeRoleBody,
  ChangeUserRoleBody,
  DeleteAccountBody,
  LogInBody,
  RegisterUserBody,
  RemoveParticipantBody,
  ScheduleMeetingBody,
  SetSystemConfigBody,
  SendChatMessageBody,
  SetUserStatusBody,
  UpdateMeetingBody,
  UpdateProfileBody,
} from '@meetings/events';
import type { z } from 'zod';
import { ROUTES } from '../testing/e2e.js';
import { RequestAiTaskBody } from './routes/ai-task-routes.js';
import { UPLOAD_ROUTE_DOCS } from './upload-docs.js';
import type { RouteCase } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient } from '../testing/http-client.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

let svc: ServiceUnderTest;
let api: ApiClient;
let doc: Record<string, any>;

before(async () => {
  svc = await startServiceProcess();
  api = apiClient(svc.baseUrl);
  const res = await api.get('/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.contentType, /^application\/json/);
  doc = res.body;
});

after(async () => {
  await svc?.stop();
});

/** The zod schema each endpoint validates its body with (none: an empty object). */
const bodySchemas: Record<string, z.ZodObject | undefined> = {
  registerUser: RegisterUserBody,
  updateMyProfile: UpdateProfileBody,
  changeUserRole: ChangeUserRoleBody,
  setUserStatus: SetUserStatusBody,
  deleteMyAccount: DeleteAccountBody,
  logIn: LogInBody,
  setSystemConfig: SetSystemConfigBody,
  scheduleMeeting: ScheduleMeetingBody,
  updateMeeting: UpdateMeetingBody,
  cancelMeeting: CancelMeetingBody,
  removeParticipant: RemoveParticipantBody,
  changeParticipantRole: ChangeRoleBody,
  sendChatMessage: SendChatMessageBody,
  requestAiTask: RequestAiTaskBody,
};

function requiredOf(schema: z.ZodObject | undefined): string[] {
  if (!schema) return [];
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([name]) => name)
    .sort();
}

const openApiPath = (route: RouteCase) => route.template.replace(/:(\w+)/g, '{$1}');

function operation(route: RouteCase): Record<string, any> {
  const op = doc.paths?.[openApiPath(route)]?.[route.method.toLowerCase()];
  assert.ok(op, `${route.method} ${openApiPath(route)} is not documented`);
  return op;
}

/** Follows a local `$ref`. */
function resolve(schema: Record<string, any>): Record<string, any> {
  if (typeof schema.$ref !== 'string') return schema;
  const target = schema.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: any, part) => node?.[part], doc);
  assert.ok(target, `unresolvable ${schema.$ref}`);
  return resolve(target);
}

describe('GET /openapi.json', () => {
  test('is an OpenAPI 3.1.0 document with a bearer security scheme', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info?.title, 'string');
    assert.equal(typeof doc.info?.version, 'string');
    const schemes = doc.components?.securitySchemes ?? {};
    const bearer = Object.values(schemes).find((s: any) => s.type === 'http' && s.scheme === 'bearer');
    assert.ok(bearer, JSON.stringify(schemes));
  });

  test('documents exactly the routes of the service', () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const expected = [
      ...ROUTES.map((r) => `${r.method} ${openApiPath(r)}`),
      ...UPLOAD_ROUTE_DOCS.map((u) => `${u.method.toUpperCase()} ${u.path}`),
    ].sort();
    assert.deepEqual(documented, expected);
  });

  test('documents the uploads: a binary body, bearer auth, and their 413 and 415', () => {
    for (const upload of UPLOAD_ROUTE_DOCS) {
      const op = doc.paths[upload.path][upload.method];
      assert.equal(op.operationId, upload.operationId);
      assert.deepEqual(op.security, [{ bearer: [] }]);
      const content = op.requestBody.content as Record<string, { schema: { format?: string } }>;
      assert.ok(Object.keys(content).length > 0);
      for (const media of Object.values(content)) assert.equal(media.schema.format, 'binary');
      for (const status of ['401', '413', '415', '429'])
        assert.ok(op.responses[status], `${status} documented`);
      assert.ok(op.responses[String(upload.success.status)].content['application/json']);
    }
    const attach = doc.paths['/meetings/{meetingId}/documents'].post;
    const name = attach.parameters.find((p: any) => p.in === 'query' && p.name === 'name');
    assert.equal(name?.required, true);
  });

  for (const route of ROUTES) {
    describe(`${route.method} ${route.template}`, () => {
      test(`has operationId ${route.operationId} and ${route.auth ? 'requires' : 'does not require'} bearer auth`, () => {
        const op = operation(route);
        assert.equal(op.operationId, route.operationId);
        assert.equal(typeof op.summary, 'string');
        const schemes = Object.keys(doc.components.securitySchemes);
        const security = (op.security ?? doc.security ?? []) as Record<string, unknown>[];
        const requiresBearer = security.some((s) => Object.keys(s).some((name) => schemes.includes(name)));
        assert.equal(requiresBearer, route.auth);
      });

      test('documents its path parameters as required UUIDs (or key patterns), and If-Match and Idempotency-Key where they apply', () => {
        const parameters = (operation(route).parameters ?? []).map(resolve);
        const names = [...route.template.matchAll(/:(\w+)/g)].map((m) => m[1]!);
        const inPath = parameters.filter((p: any) => p.in === 'path');
        assert.deepEqual(inPath.map((p: any) => p.name).sort(), [...names].sort());
        for (const p of inPath) {
          assert.equal(p.required, true);
          // A configuration key is the one parameter that is not a UUID: it is documented by its pattern.
          if (p.name === 'key') assert.equal(typeof p.schema.pattern, 'string');
          else assert.equal(p.schema.format, 'uuid');
        }
        const headers = parameters
          .filter((p: any) => p.in === 'header')
          .map((p: any) => p.name.toLowerCase());
        assert.equal(headers.includes('if-match'), route.ifMatch);
        assert.equal(headers.includes('idempotency-key'), route.idempotent !== false);
      });

      test('documents its request body with the required fields of its zod schema', () => {
        const op = operation(route);
        const schema = bodySchemas[route.operationId];
        const expected = requiredOf(schema);
        assert.deepEqual(
          expected,
          [...route.required].sort(),
          'the test’s route list disagrees with the zod schema',
        );
        const content = op.requestBody?.content?.['application/json'];
        if (!schema) {
          // Endpoints without a body may document an empty one, with nothing required.
          if (content) assert.deepEqual(resolve(content.schema).required ?? [], []);
          return;
        }
        assert.ok(content, 'no application/json request body');
        const documented = resolve(content.schema);
        assert.equal(documented.type, 'object');
        assert.deepEqual([...(documented.required ?? [])].sort(), expected);
        assert.deepEqual(Object.keys(documented.properties ?? {}).sort(), Object.keys(schema.shape).sort());
        assert.equal(
          documented.additionalProperties,
          false,
          'unknown fields are refused, so none are allowed',
        );
      });

      test('documents its success and error answers', () => {
        const responses = operation(route).responses as Record<string, any>;
        const success =
          route.operationId === 'logOut'
            ? '204'
            : [
                  'registerUser',
                  'logIn',
                  'scheduleMeeting',
                  'startRecording',
                  'sendChatMessage',
                  'requestAiTask',
                ].includes(route.operationId)
              ? '201'
              : '200';
        assert.ok(responses[success], `no ${success} answer`);
        const errors = ['400', '408', '413', '415', '431', '500'];
        if (route.auth) errors.push('401', '429'); // 429: the command rate limit
        if (route.operationId === 'logIn') errors.push('401', '429');
        if (route.operationId === 'registerUser') errors.push('409');
        if (route.ifMatch) errors.push('412');
        if (route.template.startsWith('/meetings')) errors.push('403', '404', '409');
        for (const status of errors) {
          assert.ok(responses[status], `no ${status} answer among ${Object.keys(responses).join(', ')}`);
          if (status === '429' && route.auth) {
            assert.ok(responses[status].headers?.RateLimit, 'the rate limit headers are documented');
          }
          const problem = responses[status].content?.['application/problem+json']?.schema;
          assert.ok(problem, `${status} is not a problem document`);
          const resolved = resolve(problem);
          for (const member of ['type', 'title', 'status', 'detail'])
            assert.ok(resolved.properties?.[member], member);
        }
      });
    });
  }

  test('ScheduleMeeting requires title and scheduledStartAt, and nothing else', () => {
    const op = doc.paths['/meetings'].post;
    const schema = resolve(op.requestBody.content['application/json'].schema);
    assert.deepEqual([...schema.required].sort(), ['scheduledStartAt', 'title']);
    assert.equal(schema.properties.scheduledStartAt.format, 'date-time');
    assert.equal(schema.properties.maxParticipants.type, 'integer');
  });
});

describe('health', () => {
  test('/health/live and /health/ready answer 200', async () => {
    for (const path of ['/health/live', '/health/ready']) {
      const res = await api.get(path);
      assert.equal(res.status, 200, path);
      assert.deepEqual(res.body, { status: 'ok' });
    }
  });
});
