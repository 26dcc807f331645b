import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setRoleFromCli } from '@meetings/command-service/testing';
import { until } from '../testing/http.js';
import { call, registerUser, startSystem } from '../testing/system.js';
import type { SystemUnderTest } from '../testing/system.js';

/** Admins write the system configuration through the command service; query-api serves it by flag. */

let system: SystemUnderTest;
let admin: { token: string; userId: string };
let plain: { token: string; userId: string };

const PASSWORD = 'correct horse battery';
const command = (
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers?: Record<string, string>,
) => call(system.command.baseUrl, method, path, token, body, headers);
const query = (path: string, token?: string) => call(system.query.baseUrl, 'GET', path, token);

before(async () => {
  system = await startSystem();
  const first = await registerUser(system, 'cfgadmin');
  setRoleFromCli(system.command.db.url, first.username, 'admin');
  const login = await call(system.command.baseUrl, 'POST', '/sessions', undefined, {
    username: first.username,
    password: PASSWORD,
  });
  admin = { token: login.body.token, userId: first.userId };
  plain = await registerUser(system, 'cfgplain');
});
after(() => system?.stop());

/** `call` answers carry no content type: the status, the rule and the paths named are what matter here. */
function assertProblem(res: { status: number; body: any }, status: number, _type?: string, rule?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  if (rule !== undefined) assert.equal(res.body.rule, rule);
}
function assertBadParameter(res: { status: number; body: any }, path: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.ok(
    (res.body.errors as { path: string }[]).some((e) => e.path === path),
    JSON.stringify(res.body),
  );
}

/** The key as `token` reads it once its row reaches `version` (or, with version 0, once it is gone). */
const readAt = (key: string, token: string, version: number) =>
  until(`${key} at version ${version}`, async () => {
    const res = await query(`/configs/${key}`, token);
    if (version === 0) return res.status === 404 ? res : undefined;
    return res.status === 200 && res.body.version === version ? res : undefined;
  });

describe('system configuration', () => {
  test('set, change and delete by an admin; public keys for everyone, the others for admins', async () => {
    const set = await command('PUT', '/configs/services.user-service.port', admin.token, {
      value: '8080',
      description: 'HTTP port',
      isPublic: true,
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.streamId, 'config-services.user-service.port');
    const secret = await command('PUT', '/configs/smtp.password', admin.token, { value: 's3cret' });
    assert.equal(secret.status, 200);

    const asPlain = await readAt('services.user-service.port', plain.token, 1);
    assert.deepEqual(
      { ...asPlain.body, updatedAt: undefined },
      {
        key: 'services.user-service.port',
        value: '8080',
        description: 'HTTP port',
        isPublic: true,
        version: 1,
        updatedAt: undefined,
      },
    );
    assert.equal(asPlain.etag, '"1"');
    const adminView = await readAt('smtp.password', admin.token, 1);
    assert.equal(adminView.body.value, 's3cret');
    assertProblem(await query('/configs/smtp.password', plain.token), 404, 'not-found', 'config-not-found');
    const keysOf = async (token: string) =>
      ((await query('/configs', token)).body.items as { key: string }[]).map((c) => c.key);
    assert.deepEqual(await keysOf(plain.token), ['services.user-service.port']);
    assert.deepEqual(await keysOf(admin.token), ['services.user-service.port', 'smtp.password']);

    // The same entry again appends nothing; a change under a stale If-Match is refused.
    const again = await command('PUT', '/configs/smtp.password', admin.token, { value: 's3cret' });
    assert.equal(again.body.version, 1);
    const stale = await command(
      'PUT',
      '/configs/smtp.password',
      admin.token,
      { value: 'x' },
      { 'if-match': '"0"' },
    );
    assertProblem(stale, 412);
    const changed = await command(
      'PUT',
      '/configs/smtp.password',
      admin.token,
      { value: 'n3w', isPublic: true },
      {
        'if-match': '"1"',
      },
    );
    assert.equal(changed.status, 200);
    assert.equal((await readAt('smtp.password', plain.token, 2)).body.value, 'n3w');

    const deleted = await command('DELETE', '/configs/smtp.password', admin.token);
    assert.equal(deleted.status, 200);
    await readAt('smtp.password', admin.token, 0);
    assert.equal((await command('DELETE', '/configs/smtp.password', admin.token)).body.version, 3);
    assertProblem(
      await command('DELETE', '/configs/never.set', admin.token),
      404,
      'not-found',
      'config-not-found',
    );
  });

  test('plain users and anonymous callers cannot write; nobody anonymous reads', async () => {
    const body = { value: '1' };
    assertProblem(await command('PUT', '/configs/x.y', plain.token, body), 403, 'forbidden', 'admin-only');
    assertProblem(await command('DELETE', '/configs/x.y', plain.token), 403, 'forbidden', 'admin-only');
    assertProblem(await command('PUT', '/configs/x.y', undefined, body), 401);
    assertProblem(await query('/configs'), 401);
    assertProblem(await query('/configs/x.y'), 401);
  });

  test('bad keys, values and bodies: 400 naming the field', async () => {
    const put = (key: string, body: unknown) => command('PUT', `/configs/${key}`, admin.token, body);
    for (const key of ['Upper', 'a..b', 'a%20b', '-a', 'x'.repeat(201)]) {
      assertBadParameter(await put(key, { value: '1' }), 'params.key');
      assertBadParameter(await query(`/configs/${key}`, admin.token), 'params.key');
    }
    assertBadParameter(await put('a.b', { value: 'x'.repeat(16 * 1024 + 1) }), 'body.value');
    assertBadParameter(await put('a.b', { value: 1 }), 'body.value');
    assertBadParameter(await put('a.b', { value: '1', isPublic: 'yes' }), 'body.isPublic');
    assertBadParameter(await put('a.b', { value: '1', description: 'd'.repeat(1001) }), 'body.description');
    assertBadParameter(await put('a.b', {}), 'body.value');
  });
});
