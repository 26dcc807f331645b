import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startProcessUnderTest, startServiceProcess } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';

const WORKER = fileURLToPath(new URL('../../../projection-workers/src/main.ts', import.meta.url));
const SET_ROLE = fileURLToPath(new URL('../../../command-service/src/cli/set-role.ts', import.meta.url));
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

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function user(name: string) {
  const username = `${name}_${Date.now().toString(36)}`;
  const reg = await call(command.baseUrl, 'POST', '/users', undefined, {
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  });
  const login = await call(command.baseUrl, 'POST', '/sessions', undefined, { username, password: PASSWORD });
  return { username, userId: reg.body.userId!, token: login.body.token! };
}

/** Milliseconds until the admin-only report answers `status` to `token` (at most 5 s). */
async function reportAnswers(token: string, status: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await call(query.baseUrl, 'GET', '/operation-logs', token);
    if (res.status === status) return Date.now() - started;
    assert.ok(Date.now() - started < 5000, `the report still answers ${res.status}, not ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a role change applies to the sessions already held, without logging in again', async () => {
  const [first, other] = [await user('first'), await user('other')];
  await reportAnswers(first.token, 403);

  // Ops make the first admin from the command line: the session the user already holds is an admin's.
  const cli = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', SET_ROLE, first.username, 'admin'],
    {
      env: { ...process.env, DATABASE_URL: command.db.url },
      encoding: 'utf8',
    },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const granted = await reportAnswers(first.token, 200);

  // That session promotes another user, whose held session gains the rights, then loses them.
  assert.equal(
    (await call(command.baseUrl, 'PUT', `/users/${other.userId}/role`, first.token, { role: 'admin' }))
      .status,
    200,
  );
  const promoted = await reportAnswers(other.token, 200);
  assert.equal(
    (await call(command.baseUrl, 'PUT', `/users/${other.userId}/role`, first.token, { role: 'user' })).status,
    200,
  );
  const demoted = await reportAnswers(other.token, 403);
  const refused = await call(command.baseUrl, 'PUT', `/users/${first.userId}/role`, other.token, {
    role: 'user',
  });
  assert.equal(refused.status, 403, 'the demoted session cannot change roles either');
  console.log(
    `held sessions changed role ${granted} ms (CLI), ${promoted} ms (promotion), ${demoted} ms (demotion) after the change`,
  );
});
