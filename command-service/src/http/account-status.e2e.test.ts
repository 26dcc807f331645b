import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { streams } from '@meetings/events';
import pg from 'pg';
import { assertProblem, assertValidation, EventLog, newUser, PASSWORD, uniqueName } from '../testing/e2e.js';
import type { TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient } from '../testing/http-client.js';
import { setRoleFromCli, startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

/**
 * Disabling, enabling and deleting accounts through the command service alone: no projection runs
 * here, so every session that ends was ended by the service itself, right after the append.
 */

let svc: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;
let admin: TestUser;

before(async () => {
  svc = await startServiceProcess();
  api = apiClient(svc.baseUrl);
  log = new EventLog(svc.db.url);
  const first = await newUser(api, 'admin');
  setRoleFromCli(svc.db.url, first.username, 'admin');
  const login = await api.post('/sessions', { username: first.username, password: PASSWORD });
  admin = { ...first, token: login.body.token };
});

after(async () => {
  await log?.close();
  await svc?.stop();
});

const setStatus = (userId: string, body: unknown, token?: string) =>
  api.put(`/users/${userId}/status`, body, token ? { token } : {});
const deleteMe = (body: unknown, token?: string) =>
  api.request('DELETE', '/users/me', body, token ? { token } : {});
const logIn = (user: TestUser, password = PASSWORD) =>
  api.post('/sessions', { username: user.username, password });
const typesOf = async (user: TestUser) => (await log.stream(`user-${user.userId}`)).map((e) => e.type);

describe('PUT /users/:userId/status', () => {
  test('bad input: wrong types, unknown fields, missing fields, a bad id (400)', async () => {
    const target = await newUser(api, 'target');
    assertValidation(await setStatus(target.userId, { status: 42 }, admin.token), 'body.status');
    assertValidation(await setStatus(target.userId, { status: 'banned' }, admin.token), 'body.status');
    assertValidation(await setStatus(target.userId, {}, admin.token), 'body.status');
    const extra = await setStatus(target.userId, { status: 'disabled', until: 'never' }, admin.token);
    assertValidation(extra, 'body');
    assert.match(extra.body.detail, /until/);
    assertValidation(await setStatus('not-a-uuid', { status: 'disabled' }, admin.token), 'params.userId');
    assert.deepEqual(await typesOf(target), ['UserRegistered', 'UserLoggedIn']);
  });

  test('anonymous 401, a plain user 403 admin-only, an admin on themselves 403, unknown 404', async () => {
    const [plain, target] = [await newUser(api, 'plain'), await newUser(api, 'target')];
    const anonymous = await setStatus(target.userId, { status: 'disabled' });
    assertProblem(anonymous, 401, 'unauthenticated');
    assertProblem(
      await setStatus(target.userId, { status: 'disabled' }, plain.token),
      403,
      'forbidden',
      'admin-only',
    );
    assertProblem(
      await setStatus(admin.userId, { status: 'disabled' }, admin.token),
      403,
      'forbidden',
      'cannot-change-own-status',
    );
    assertProblem(
      await setStatus(randomUUID(), { status: 'disabled' }, admin.token),
      404,
      'not-found',
      'user-not-found',
    );
    assert.deepEqual(await typesOf(target), ['UserRegistered', 'UserLoggedIn']);
  });

  test('a disabled user’s sessions end at once and log-in is refused, only once the password checked', async () => {
    const target = await newUser(api, 'target');
    const second = await logIn(target);
    assert.equal(
      (await api.patch('/users/me', { displayName: 'Still here' }, { token: target.token })).status,
      200,
    );

    const disabled = await setStatus(target.userId, { status: 'disabled' }, admin.token);
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    const [event] = (await log.stream(`user-${target.userId}`)).filter((e) => e.type === 'UserStatusChanged');
    assert.deepEqual(event?.data, { userId: target.userId, status: 'disabled', changedBy: admin.userId });
    for (const token of [target.token, second.body.token as string]) {
      assertProblem(await api.patch('/users/me', { displayName: 'Gone' }, { token }), 401, 'unauthenticated');
    }

    // A wrong password learns nothing; the right one learns the account is disabled.
    assertProblem(await logIn(target, 'not the password'), 401, 'unauthenticated');
    assertProblem(await logIn(target), 403, 'account-disabled');

    // Disabling again is a no-op; enabling lets the user in again.
    const before = await log.count();
    const again = await setStatus(target.userId, { status: 'disabled' }, admin.token);
    assert.equal(again.status, 200);
    assert.equal(again.body.version, disabled.body.version);
    assert.equal(await log.count(), before);
    assert.equal((await setStatus(target.userId, { status: 'active' }, admin.token)).status, 200);
    const back = await logIn(target);
    assert.equal(back.status, 201);
    assert.equal(
      (await api.patch('/users/me', { displayName: 'Back' }, { token: back.body.token })).status,
      200,
    );
  });

  test('a log-in records UserLoggedIn on the user stream, anonymous no more', async () => {
    const user = await newUser(api, 'stamp');
    const [, loggedIn] = await log.stream(`user-${user.userId}`);
    assert.equal(loggedIn?.type, 'UserLoggedIn');
    assert.deepEqual(loggedIn?.data, { userId: user.userId });
    assert.equal(loggedIn?.metadata.actorUserId, user.userId);
  });
});

describe('DELETE /users/me', () => {
  test('bad input (400) and anonymous (401); a wrong password (403) deletes nothing', async () => {
    const user = await newUser(api, 'keeper');
    assertValidation(await deleteMe({}, user.token), 'body.password');
    assertValidation(await deleteMe({ password: 42 }, user.token), 'body.password');
    assertValidation(await deleteMe({ password: PASSWORD, force: true }, user.token), 'body');
    assertProblem(await deleteMe({ password: PASSWORD }), 401, 'unauthenticated');
    assertProblem(
      await deleteMe({ password: 'not the password' }, user.token),
      403,
      'forbidden',
      'wrong-password',
    );
    assert.deepEqual(await typesOf(user), ['UserRegistered', 'UserLoggedIn']);
    assert.equal((await logIn(user)).status, 201);
  });

  test('deletes the account: sessions end, log-in is refused, the names stay taken, the key is gone', async () => {
    const user = await newUser(api, 'leaver');
    const other = await logIn(user);
    const res = await deleteMe({ password: PASSWORD }, user.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.streamId, `user-${user.userId}`);
    const last = (await log.stream(`user-${user.userId}`)).at(-1)!;
    assert.deepEqual(
      [last.type, last.data],
      ['UserDeleted', { userId: user.userId, deletedBy: user.userId }],
    );

    for (const token of [user.token, other.body.token as string]) {
      assertProblem(await api.patch('/users/me', { displayName: 'x' }, { token }), 401, 'unauthenticated');
    }
    assertProblem(await logIn(user), 401, 'unauthenticated');
    const taken = await api.post('/users', {
      username: user.username,
      email: 'new@example.com',
      password: PASSWORD,
    });
    assertProblem(taken, 409, 'business-rule-violated', 'username-taken');
    const emailTaken = await api.post('/users', {
      username: uniqueName('new'),
      email: user.email,
      password: PASSWORD,
    });
    assertProblem(emailTaken, 409, 'business-rule-violated', 'email-taken');

    const { rows } = await log.query('SELECT key, destroyed_at FROM personal_data_keys WHERE user_id = $1', [
      user.userId,
    ]);
    assert.equal(rows[0].key, null);
    assert.ok(rows[0].destroyed_at);
    const [registered] = await log.revealed(`user-${user.userId}`);
    assert.equal(registered!.data.username, `erased-${user.userId}`);
  });
});

describe('accounts registered before names were encrypted', () => {
  test('log in through their clear reservation, and keep their names taken', async () => {
    const donor = await newUser(api, 'donor');
    const [passwordSet] = await log.stream(`credentials-${donor.userId}`);
    const userId = randomUUID();
    const username = uniqueName('Legacy');
    const email = `${username}@example.com`;
    const pool = new pg.Pool({ connectionString: svc.db.url, max: 1 });
    try {
      const store = new PostgresEventStore(pool);
      const event = (type: string, data: unknown) => ({
        eventId: randomUUID(),
        type,
        schemaVersion: 1,
        data,
        metadata: { correlationId: 'legacy', causationId: null, actorUserId: null, idempotencyKey: null },
        occurredAt: new Date(),
      });
      await store.appendToStreams([
        {
          streamId: streams.username(username),
          events: [event('UsernameReserved', { username, userId })],
          expectedVersion: 'no_stream',
        },
        {
          streamId: streams.email(email),
          events: [event('EmailReserved', { email, userId })],
          expectedVersion: 'no_stream',
        },
        {
          streamId: streams.user(userId),
          events: [event('UserRegistered', { userId, username, email, displayName: username, role: 'user' })],
          expectedVersion: 'no_stream',
        },
        {
          streamId: streams.credentials(userId),
          events: [event('PasswordSet', passwordSet!.data)],
          expectedVersion: 'no_stream',
        },
      ]);
    } finally {
      await pool.end();
    }

    const login = await api.post('/sessions', { username: username.toUpperCase(), password: PASSWORD });
    assert.equal(login.status, 201, JSON.stringify(login.body));
    assert.equal(login.body.userId, userId);
    const sameName = await api.post('/users', { username, email: 'x@example.com', password: PASSWORD });
    assertProblem(sameName, 409, 'business-rule-violated', 'username-taken');
    const sameEmail = await api.post('/users', { username: uniqueName('n'), email, password: PASSWORD });
    assertProblem(sameEmail, 409, 'business-rule-violated', 'email-taken');
  });

  test('new reservations are named by digest: no stream id holds a name', async () => {
    const user = await newUser(api, 'digest');
    const { rows } = await log.query(
      `SELECT stream_id FROM es_events WHERE stream_id ILIKE $1 OR stream_id ILIKE $2`,
      [`%${user.username}%`, `%${user.email}%`],
    );
    assert.deepEqual(rows, []);
  });
});
