/**
 * The services ride out outages of PostgreSQL and Redis: command-service, query-api and the
 * projection workers run as processes against a private PostgreSQL and a private Redis, which the
 * test crashes and starts again. While a server is down, calls answer 503 `service-unavailable`
 * with Retry-After (never 500) and readiness says 503; once it is back they work again, without any
 * process having exited or been restarted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startProcessUnderTest, startServiceProcess } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { startPrivatePostgres, startPrivateRedis } from '@meetings/db/testing';
import type { PrivatePostgres, PrivateRedis } from '@meetings/db/testing';
import { assertProblem } from '../testing/http.js';
import type { ApiResponse } from '../testing/http.js';
import { startQueryApi } from '../testing/query-process.js';

const WORKERS_MAIN = fileURLToPath(new URL('../../../projection-workers/src/main.ts', import.meta.url));
const PASSWORD = 'correct horse battery';

let postgres: PrivatePostgres | undefined;
let redis: PrivateRedis | undefined;
let commands: ServiceUnderTest | undefined;
let queries: ServiceUnderTest | undefined;
let workers: ServiceUnderTest | undefined;
const username = `outage_${randomBytes(4).toString('hex')}`;
let token: string;
let meetingId: string;

before(async () => {
  [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  const url = await postgres.createDatabase();
  // The servers are the test's; the processes must not drop or sweep anything.
  const shared = {
    db: { name: new URL(url).pathname.slice(1), url, drop: () => Promise.resolve() },
    redisPrefix: 'outage:',
  };
  const options = { shared, redisUrl: redis.url };
  [commands, queries, workers] = await Promise.all([
    startServiceProcess({}, options),
    startQueryApi({}, options),
    startProcessUnderTest({ main: WORKERS_MAIN, readyMessage: 'projection-workers running', ...options }),
  ]);
});

after(async () => {
  await Promise.allSettled([commands?.stop(), queries?.stop(), workers?.stop()]);
  await Promise.allSettled([postgres?.stop(), redis?.stop()]);
});

async function call(
  service: ServiceUnderTest,
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<ApiResponse & { elapsedMs: number }> {
  const started = Date.now();
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${service.baseUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const body: unknown = text && contentType.includes('json') ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, contentType, body, elapsedMs: Date.now() - started };
}

const schedule = (bearer: string) =>
  call(commands!, 'POST', '/meetings', {
    token: bearer,
    body: { title: 'Outage drill', scheduledStartAt: '2030-01-07T09:00:00Z' },
  });
const logIn = () => call(commands!, 'POST', '/sessions', { body: { username, password: PASSWORD } });
const readMeeting = (id: string, bearer: string, minPosition?: number) =>
  call(queries!, 'GET', `/meetings/${id}${minPosition === undefined ? '' : `?minPosition=${minPosition}`}`, {
    token: bearer,
  });

/** A 503 `service-unavailable` with Retry-After and a correlation id, answered promptly. */
function assertUnavailable(res: ApiResponse & { elapsedMs: number }, what: string): void {
  const body = assertProblem(res, 503, 'service-unavailable');
  assert.equal(res.headers.get('retry-after'), '2', what);
  assert.equal(typeof body.correlationId, 'string', what);
  assert.equal(res.headers.get('x-correlation-id'), body.correlationId, what);
  assert.ok(res.elapsedMs < 5000, `${what} took ${res.elapsedMs} ms`);
}

async function assertNotReady(service: ServiceUnderTest, what: string): Promise<void> {
  const res = await call(service, 'GET', '/health/ready');
  assert.equal(res.status, 503, `${what}: ${JSON.stringify(res.body)}`);
  assert.ok(res.elapsedMs < 2500, `${what} readiness took ${res.elapsedMs} ms`);
}

/** Waits until `probe` answers `status` (a server that was just started takes a moment to be used again). */
async function untilStatus(
  what: string,
  status: number,
  probe: () => Promise<ApiResponse>,
  timeoutMs = 10_000,
): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await probe();
    if (res.status === status) return res;
    if (Date.now() > deadline) {
      assert.fail(`${what}: still ${res.status} ${JSON.stringify(res.body)} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function assertAllRunning(): void {
  for (const [name, service] of [
    ['command-service', commands],
    ['query-api', queries],
    ['projection-workers', workers],
  ] as const) {
    assert.ok(service!.running(), `${name} exited: ${JSON.stringify(service!.logs.slice(-5))}`);
  }
}

test('a user registers, logs in, schedules a meeting and reads it back', async () => {
  const registered = await call(commands!, 'POST', '/users', {
    body: { username, email: `${username}@example.com`, password: PASSWORD },
  });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  const login = await logIn();
  assert.equal(login.status, 201, JSON.stringify(login.body));
  token = login.body.token;
  const scheduled = await schedule(token);
  assert.equal(scheduled.status, 201, JSON.stringify(scheduled.body));
  meetingId = scheduled.body.meetingId;
  const read = await readMeeting(meetingId, token, scheduled.body.position);
  assert.equal(read.status, 200, JSON.stringify(read.body));
});

test('PostgreSQL down: 503 with Retry-After and not ready; back: everything works again, no process exited', async () => {
  await postgres!.crash();

  assertUnavailable(await schedule(token), 'a command');
  assertUnavailable(await logIn(), 'a log-in');
  assertUnavailable(await readMeeting(meetingId, token), 'a query');
  await assertNotReady(commands!, 'command-service');
  await assertNotReady(queries!, 'query-api');
  // Connections the workers held died under them: they wait, they do not exit.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assertAllRunning();

  await postgres!.start();
  const scheduled = await untilStatus('a command to succeed again', 201, () => schedule(token));
  await untilStatus('command-service ready', 200, () => call(commands!, 'GET', '/health/ready'));
  await untilStatus('query-api ready', 200, () => call(queries!, 'GET', '/health/ready'));
  // The projection workers resumed: the new meeting reaches the read tables.
  await untilStatus('the new meeting to be projected', 200, () =>
    readMeeting(scheduled.body.meetingId, token, scheduled.body.position),
  );
  assertAllRunning();
});

test('Redis down: authenticated calls answer 503; back: old sessions are gone (401), a new log-in works', async () => {
  await redis!.crash();

  assertUnavailable(await schedule(token), 'a command');
  assertUnavailable(await readMeeting(meetingId, token), 'a query');
  await assertNotReady(commands!, 'command-service');
  await assertNotReady(queries!, 'query-api');

  await redis!.start();
  await untilStatus('command-service ready', 200, () => call(commands!, 'GET', '/health/ready'));
  await untilStatus('query-api ready', 200, () => call(queries!, 'GET', '/health/ready'));
  assertProblem(await schedule(token), 401, 'unauthenticated');
  assertProblem(await readMeeting(meetingId, token), 401, 'unauthenticated');
  const login = await logIn();
  assert.equal(login.status, 201, JSON.stringify(login.body));
  const fresh = login.body.token as string;
  const scheduled = await schedule(fresh);
  assert.equal(scheduled.status, 201, JSON.stringify(scheduled.body));
  const read = await untilStatus('a query with the new session', 200, () =>
    readMeeting(scheduled.body.meetingId, fresh, scheduled.body.position),
  );
  assert.match(JSON.stringify(read.body), new RegExp(scheduled.body.meetingId as string));
  assertAllRunning();
});
