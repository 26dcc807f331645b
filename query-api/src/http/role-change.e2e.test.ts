import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setRoleFromCli } from '@meetings/command-service/testing';
import { call, registerUser, startSystem } from '../testing/system.js';
import type { SystemUnderTest } from '../testing/system.js';

let system: SystemUnderTest;

before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

/** Milliseconds until the admin-only report answers `status` to `token` (at most 5 s). */
async function reportAnswers(token: string, status: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await call(system.query.baseUrl, 'GET', '/operation-logs', token);
    if (res.status === status) return Date.now() - started;
    assert.ok(Date.now() - started < 5000, `the report still answers ${res.status}, not ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a role change applies to the sessions already held, without logging in again', async () => {
  const [first, other] = [await registerUser(system, 'first'), await registerUser(system, 'other')];
  await reportAnswers(first.token, 403);

  // Ops make the first admin from the command line: the session the user already holds is an admin's.
  setRoleFromCli(system.command.db.url, first.username, 'admin');
  const granted = await reportAnswers(first.token, 200);

  // That session promotes another user, whose held session gains the rights, then loses them.
  assert.equal(
    (await call(system.command.baseUrl, 'PUT', `/users/${other.userId}/role`, first.token, { role: 'admin' }))
      .status,
    200,
  );
  const promoted = await reportAnswers(other.token, 200);
  assert.equal(
    (await call(system.command.baseUrl, 'PUT', `/users/${other.userId}/role`, first.token, { role: 'user' }))
      .status,
    200,
  );
  const demoted = await reportAnswers(other.token, 403);
  const refused = await call(system.command.baseUrl, 'PUT', `/users/${first.userId}/role`, other.token, {
    role: 'user',
  });
  assert.equal(refused.status, 403, 'the demoted session cannot change roles either');
  console.log(
    `held sessions changed role ${granted} ms (CLI), ${promoted} ms (promotion), ${demoted} ms (demotion) after the change`,
  );
});
