import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { PostgresPersonalDataVault } from '@meetings/db';
import pg from 'pg';
import type { ApiClient, ApiResponse } from './http-client.js';

/** What a stack trace looks like in a body; an error answer must never contain one. */
export const STACK_TRACE = /at .*\.(ts|js):\d+/;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Asserts an RFC 9457 answer: the status, `application/problem+json`, the four members every
 * problem has, no stack trace, and (when given) the problem type and the refused rule.
 */
export function assertProblem(
  res: ApiResponse,
  status: number,
  type?: string,
  rule?: string,
): Record<string, any> {
  const where = `${res.status} ${JSON.stringify(res.body)}`;
  assert.equal(res.status, status, `expected ${status}, got ${where}`);
  assert.match(res.contentType, /^application\/problem\+json/, `content type of ${where}`);
  const body = res.body;
  assert.equal(typeof body, 'object', where);
  assert.equal(typeof body.type, 'string', where);
  assert.equal(typeof body.title, 'string', where);
  assert.ok(body.title.length > 0, where);
  assert.equal(body.status, status, where);
  assert.equal(typeof body.detail, 'string', where);
  assert.ok(body.detail.length > 0, where);
  assert.doesNotMatch(JSON.stringify(body), STACK_TRACE, `stack trace in ${where}`);
  if (type !== undefined) assert.equal(body.type, `/problems/${type}`, where);
  if (rule !== undefined) assert.equal(body.rule, rule, where);
  return body;
}

/** Asserts a 400 validation problem whose `errors[].path` names (at least) each of `paths`. */
export function assertValidation(res: ApiResponse, ...paths: string[]): void {
  const body = assertProblem(res, 400, 'validation-failed');
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, JSON.stringify(body));
  const named = (body.errors as { path: string; message: string }[]).map((e) => e.path);
  for (const e of body.errors as { path: unknown; message: unknown }[]) {
    assert.equal(typeof e.path, 'string');
    assert.equal(typeof e.message, 'string');
  }
  for (const path of paths)
    assert.ok(named.includes(path), `expected an error at ${path}, got ${named.join(', ')}`);
}

export interface TestUser {
  userId: string;
  username: string;
  email: string;
  password: string;
  token: string;
}

let userSeq = 0;

export const PASSWORD = 'correct horse battery';

/** A unique username (3-32 characters of the allowed set). */
export function uniqueName(prefix = 'user'): string {
  return `${prefix.slice(0, 12)}_${++userSeq}_${randomBytes(4).toString('hex')}`;
}

/** Registers a fresh user and logs it in. */
export async function newUser(api: ApiClient, prefix = 'user'): Promise<TestUser> {
  const username = uniqueName(prefix);
  const email = `${username}@example.com`;
  const registered = await api.post('/users', { username, email, password: PASSWORD });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  const login = await api.post('/sessions', { username, password: PASSWORD });
  assert.equal(login.status, 201, JSON.stringify(login.body));
  return { userId: registered.body.userId, username, email, password: PASSWORD, token: login.body.token };
}

/** Registers and logs in one fresh user per prefix, concurrently. */
export function newUsers<const P extends readonly string[]>(
  api: ApiClient,
  ...prefixes: P
): Promise<{ [K in keyof P]: TestUser }> {
  return Promise.all(prefixes.map((p) => newUser(api, p))) as Promise<{ [K in keyof P]: TestUser }>;
}

/**
 * A valid ScheduleMeeting body. Open to anyone signed in (meetings default to invitees only), as the
 * tests that use it let others join; the access tests set their own settings.
 */
export function meetingBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Weekly sync',
    scheduledStartAt: '2030-01-07T09:00:00Z',
    settings: { access: 'open' },
    ...overrides,
  };
}

export async function scheduleMeeting(
  api: ApiClient,
  host: TestUser,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await api.post('/meetings', meetingBody(overrides), { token: host.token });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.meetingId as string;
}

export interface StoredEvent {
  version: number;
  position: number;
  type: string;
  data: Record<string, any>;
  metadata: Record<string, any>;
}

/** Direct reads of the service's event store, for what the HTTP answers cannot show. */
export class EventLog {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    // The service's database is dropped at the end; an idle client's error must not crash the test.
    this.pool.on('error', () => {});
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events');
    return rows[0]!.n;
  }

  async stream(streamId: string): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<StoredEvent>(
      `SELECT stream_version::int AS version, global_position::int AS position, type, data, metadata
       FROM es_events WHERE stream_id = $1 ORDER BY stream_version`,
      [streamId],
    );
    return rows;
  }

  /** The stream with its personal fields decrypted, as the service reads it (erased once deleted). */
  async revealed(streamId: string): Promise<StoredEvent[]> {
    return new PostgresPersonalDataVault(this.pool).reveal(await this.stream(streamId));
  }

  query<R extends pg.QueryResultRow = any>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(sql, params);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export interface RouteIds {
  meetingId: string;
  userId: string;
  recordingId: string;
  /** A meeting document's id (one that need not exist). */
  documentId: string;
  /** A configuration key (not a UUID: see BAD_PATH_VALUES). */
  key: string;
}

/** Path values each parameter must refuse with a 400 naming it; UUID parameters by default. */
export function badPathValues(name: string): string[] {
  return name === 'key'
    ? ['Upper', 'a..b', 'a b', 'x'.repeat(201)]
    : ['not-a-uuid', '42', `${randomUUID()}x`];
}

/** One endpoint of the command API, as a test sees it. */
export interface RouteCase {
  operationId: string;
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Express syntax, as declared by the service. */
  template: string;
  auth: boolean;
  ifMatch: boolean;
  /** False where the service ignores Idempotency-Key (log-in and log-out: their answers hold or end secrets). */
  idempotent?: false;
  /** A valid body (undefined: the endpoint takes none). */
  body?: Record<string, unknown>;
  /** The body fields that are required. */
  required: string[];
  /** A body with a field of the wrong type, and the error path it must produce. */
  wrongType: { body: unknown; path: string };
  /** What a participant who is not a host is refused with on someone else's behalf (403 rule). */
  forbiddenRule?: string;
}

export function pathOf(route: RouteCase, ids: Partial<RouteIds>): string {
  return route.template.replace(/:(\w+)/g, (_m, name: string) => {
    const id = ids[name as keyof RouteIds];
    assert.ok(id !== undefined, `no id for :${name}`);
    return id;
  });
}

export const completeBody = {
  storageKey: 'recordings/r1.mp4',
  sizeBytes: 1024,
  durationSeconds: 12.5,
  format: 'mp4',
};

const noBody = { required: [], wrongType: { body: [], path: 'body' } };

/** Every endpoint of the service (the route list the tests iterate over). */
export const ROUTES: RouteCase[] = [
  {
    operationId: 'registerUser',
    method: 'POST',
    template: '/users',
    auth: false,
    ifMatch: false,
    body: { username: 'new_user', email: 'new_user@example.com', password: PASSWORD },
    required: ['username', 'email', 'password'],
    wrongType: { body: { username: 42, email: 'x@example.com', password: PASSWORD }, path: 'body.username' },
  },
  {
    operationId: 'updateMyProfile',
    method: 'PATCH',
    template: '/users/me',
    auth: true,
    ifMatch: true,
    body: { displayName: 'New Name' },
    required: [],
    wrongType: { body: { displayName: 42 }, path: 'body.displayName' },
  },
  {
    operationId: 'changeUserRole',
    method: 'PUT',
    template: '/users/:userId/role',
    auth: true,
    ifMatch: true,
    body: { role: 'admin' },
    required: ['role'],
    wrongType: { body: { role: 42 }, path: 'body.role' },
    forbiddenRule: 'admin-only',
  },
  {
    operationId: 'setUserStatus',
    method: 'PUT',
    template: '/users/:userId/status',
    auth: true,
    ifMatch: true,
    body: { status: 'disabled' },
    required: ['status'],
    wrongType: { body: { status: 42 }, path: 'body.status' },
    forbiddenRule: 'admin-only',
  },
  {
    operationId: 'deleteMyAccount',
    method: 'DELETE',
    template: '/users/me',
    auth: true,
    ifMatch: true,
    body: { password: PASSWORD },
    required: ['password'],
    wrongType: { body: { password: 42 }, path: 'body.password' },
  },
  {
    operationId: 'logIn',
    method: 'POST',
    template: '/sessions',
    auth: false,
    ifMatch: false,
    idempotent: false,
    body: { username: 'someone', password: PASSWORD },
    required: ['username', 'password'],
    wrongType: { body: { username: 'someone', password: 42 }, path: 'body.password' },
  },
  {
    operationId: 'logOut',
    method: 'DELETE',
    template: '/sessions/current',
    auth: true,
    ifMatch: false,
    idempotent: false,
    ...noBody,
  },
  {
    operationId: 'scheduleMeeting',
    method: 'POST',
    template: '/meetings',
    auth: true,
    ifMatch: true,
    body: meetingBody(),
    required: ['title', 'scheduledStartAt'],
    wrongType: { body: meetingBody({ title: 42 }), path: 'body.title' },
  },
  {
    operationId: 'updateMeeting',
    method: 'PATCH',
    template: '/meetings/:meetingId',
    auth: true,
    ifMatch: true,
    body: { title: 'Renamed' },
    required: [],
    wrongType: { body: { maxParticipants: 'ten' }, path: 'body.maxParticipants' },
    forbiddenRule: 'host-only',
  },
  ...(['start', 'end'] as const).map((verb): RouteCase => ({
    operationId: `${verb}Meeting`,
    method: 'POST',
    template: `/meetings/:meetingId/${verb}`,
    auth: true,
    ifMatch: true,
    ...noBody,
    forbiddenRule: 'host-only',
  })),
  {
    operationId: 'cancelMeeting',
    method: 'POST',
    template: '/meetings/:meetingId/cancel',
    auth: true,
    ifMatch: true,
    body: { reason: 'no agenda' },
    required: [],
    wrongType: { body: { reason: 42 }, path: 'body.reason' },
    forbiddenRule: 'host-only',
  },
  {
    operationId: 'joinMeeting',
    method: 'POST',
    template: '/meetings/:meetingId/join',
    auth: true,
    ifMatch: true,
    body: { passcode: 'open sesame' },
    required: [],
    wrongType: { body: { passcode: 1234 }, path: 'body.passcode' },
  },
  {
    operationId: 'leaveMeeting',
    method: 'POST',
    template: '/meetings/:meetingId/leave',
    auth: true,
    ifMatch: true,
    ...noBody,
  },
  {
    operationId: 'removeParticipant',
    method: 'POST',
    template: '/meetings/:meetingId/participants/:userId/remove',
    auth: true,
    ifMatch: true,
    body: { reason: 'disruptive', ban: true },
    required: [],
    wrongType: { body: { reason: 'disruptive', ban: 'yes' }, path: 'body.ban' },
    forbiddenRule: 'host-only',
  },
  {
    operationId: 'changeMeetingSettings',
    method: 'PATCH',
    template: '/meetings/:meetingId/settings',
    auth: true,
    ifMatch: true,
    body: { access: 'passcode', passcode: 'open sesame', lobby: true },
    required: [],
    wrongType: { body: { lobby: 'yes' }, path: 'body.lobby' },
    forbiddenRule: 'host-only',
  },
  ...(
    [
      ['inviteParticipant', 'PUT', '/meetings/:meetingId/invitations/:userId'],
      ['revokeInvitation', 'DELETE', '/meetings/:meetingId/invitations/:userId'],
      ['admitParticipant', 'POST', '/meetings/:meetingId/lobby/:userId/admit'],
      ['denyParticipant', 'POST', '/meetings/:meetingId/lobby/:userId/deny'],
      ['liftBan', 'DELETE', '/meetings/:meetingId/bans/:userId'],
    ] as const
  ).map(([operationId, method, template]): RouteCase => ({
    operationId,
    method,
    template,
    auth: true,
    ifMatch: true,
    ...noBody,
    forbiddenRule: 'host-only',
  })),
  ...(
    [
      ['muteParticipant', 'mute', 'host-only'],
      ['unmuteParticipant', 'unmute', 'cannot-unmute-others'],
      ['turnVideoOn', 'video-on', 'cannot-turn-on-others-video'],
      ['turnVideoOff', 'video-off', 'host-only'],
    ] as const
  ).map(([operationId, verb, rule]): RouteCase => ({
    operationId,
    method: 'POST',
    template: `/meetings/:meetingId/participants/:userId/${verb}`,
    auth: true,
    ifMatch: true,
    ...noBody,
    forbiddenRule: rule,
  })),
  {
    operationId: 'changeParticipantRole',
    method: 'PUT',
    template: '/meetings/:meetingId/participants/:userId/role',
    auth: true,
    ifMatch: true,
    body: { role: 'host' },
    required: ['role'],
    wrongType: { body: { role: 1 }, path: 'body.role' },
    forbiddenRule: 'host-only',
  },
  {
    operationId: 'startRecording',
    method: 'POST',
    template: '/meetings/:meetingId/recordings',
    auth: true,
    ifMatch: true,
    ...noBody,
    forbiddenRule: 'host-only',
  },
  {
    operationId: 'stopRecording',
    method: 'POST',
    template: '/meetings/:meetingId/recordings/:recordingId/stop',
    auth: true,
    ifMatch: true,
    ...noBody,
    forbiddenRule: 'host-only',
  },
  {
    operationId: 'deleteMyAvatar',
    method: 'DELETE',
    template: '/users/me/avatar',
    auth: true,
    ifMatch: true,
    ...noBody,
  },
  {
    operationId: 'removeMeetingDocument',
    method: 'DELETE',
    template: '/meetings/:meetingId/documents/:documentId',
    auth: true,
    ifMatch: true,
    ...noBody,
    forbiddenRule: 'host-only',
  },
  {
    operationId: 'sendChatMessage',
    method: 'POST',
    template: '/meetings/:meetingId/chat-messages',
    auth: true,
    ifMatch: true,
    body: { text: 'hello' },
    required: ['text'],
    wrongType: { body: { text: [] }, path: 'body.text' },
  },
  {
    operationId: 'requestAiTask',
    method: 'POST',
    template: '/meetings/:meetingId/ai-tasks',
    auth: true,
    ifMatch: false,
    body: { taskType: 'speaking_time' },
    required: ['taskType'],
    wrongType: { body: { taskType: 1 }, path: 'body.taskType' },
    forbiddenRule: 'host-only',
  },
  {
    operationId: 'setSystemConfig',
    method: 'PUT',
    template: '/configs/:key',
    auth: true,
    ifMatch: true,
    body: { value: '8080', description: 'HTTP port', isPublic: true },
    required: ['value'],
    wrongType: { body: { value: 8080 }, path: 'body.value' },
    forbiddenRule: 'admin-only',
  },
  {
    operationId: 'deleteSystemConfig',
    method: 'DELETE',
    template: '/configs/:key',
    auth: true,
    ifMatch: true,
    ...noBody,
    forbiddenRule: 'admin-only',
  },
];
