import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startProcessUnderTest, startServiceProcess } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';

const WORKER = fileURLToPath(new URL('../../../projection-workers/src/main.ts', import.meta.url));
const PASSWORD = 'correct horse battery';

let command: ServiceUnderTest;
let query: QueryApiUnderTest;
let worker: ServiceUnderTest;

before(async () => {
  command = await startServiceProcess();
  const shared = { db: command.db, redisPrefix: command.redisPrefix };
  [query, worker] = await Promise.all([
    startQueryApi({}, { shared }),
    startProcessUnderTest({
      main: WORKER,
      readyMessage: 'projection-workers running',
      shared,
      env: { PROJECTION_POLL_INTERVAL_MS: '10' },
    }),
  ]);
});
after(async () => {
  await Promise.all([query?.terminate(), worker?.terminate()]);
  await command?.stop();
});

async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), body: text ? JSON.parse(text) : null };
}

async function user(name: string) {
  const username = `${name}_${Date.now().toString(36)}`;
  const reg = await call(command.baseUrl, 'POST', '/users', undefined, {
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  });
  const login = await call(command.baseUrl, 'POST', '/sessions', undefined, { username, password: PASSWORD });
  return { userId: reg.body.userId as string, token: login.body.token as string };
}

test('GET /meetings/{id} answers the meeting stream version, as body and ETag: a read, then a write with If-Match', async () => {
  const [host, guest] = [await user('host'), await user('guest')];
  const scheduled = await call(command.baseUrl, 'POST', '/meetings', host.token, {
    title: 'Planning',
    scheduledStartAt: '2030-01-07T09:00:00Z',
  });
  const meetingId = scheduled.body.meetingId as string;
  const path = `/meetings/${meetingId}`;
  await call(command.baseUrl, 'POST', `${path}/start`, host.token);
  await call(command.baseUrl, 'POST', `${path}/join`, guest.token);
  await call(command.baseUrl, 'POST', `${path}/participants/${guest.userId}/mute`, host.token);
  // The stream's last events are a participant's and a chat message: neither changes the meeting's columns.
  const chat = await call(command.baseUrl, 'POST', `${path}/chat-messages`, guest.token, { text: 'hello' });
  assert.equal(chat.status, 201);

  const read = await call(query.baseUrl, 'GET', `${path}?minPosition=${chat.body.position}`, host.token);
  assert.equal(read.status, 200);
  assert.equal(read.body.version, chat.body.version, 'the version of the stream, chat included');
  assert.equal(read.etag, `"${chat.body.version}"`);

  const renamed = await call(
    command.baseUrl,
    'PATCH',
    path,
    host.token,
    { title: 'Renamed' },
    { 'if-match': read.etag },
  );
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));

  // Another event later, the version read before is stale: the write is refused.
  await call(command.baseUrl, 'POST', `${path}/chat-messages`, guest.token, { text: 'again' });
  const stale = await call(
    command.baseUrl,
    'PATCH',
    path,
    host.token,
    { title: 'Stale' },
    { 'if-match': read.etag },
  );
  assert.equal(stale.status, 412);
});
