import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { assertProblem, EventLog, newUser, PASSWORD, uniqueName, UUID } from '../testing/e2e.js';
import type { TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient } from '../testing/http-client.js';
import { setRoleFromCli, startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

const MAX_FAILURES = 3;

let svc: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;
let redis: Redis;

before(async () => {
  svc = await startServiceProcess({ LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
  api = apiClient(svc.baseUrl);
  log = new EventLog(svc.db.url);
  redis = new Redis(svc.redisUrl);
});

after(async () => {
  redis?.disconnect();
  await log?.close();
  await svc?.stop();
});

/** The Redis keys of every live session of this service. */
async function sessionKeys(): Promise<string[]> {
  return redis.keys(`${svc.redisPrefix}session:*`);
}

async function sessionsOf(userId: string): Promise<string[]> {
  const keys: string[] = [];
  for (const key of await sessionKeys()) {
    if ((await redis.hget(key, 'user_id')) === userId) keys.push(key);
  }
  return keys;
}

async function sessionKeyOf(userId: string): Promise<string> {
  const keys = await sessionsOf(userId);
  assert.equal(keys.length, 1, `sessions of ${userId} in Redis: ${keys.length}`);
  return keys[0]!;
}

describe('registration', () => {
  test('answers 201 with the user id, its stream version as ETag and a Location', async () => {
    const username = uniqueName('reg');
    const email = `${username}@example.com`;
    const res = await api.post('/users', { username, email, password: PASSWORD });

    assert.equal(res.status, 201);
    assert.match(res.contentType, /^application\/json/);
    assert.match(res.body.userId, UUID);
    assert.equal(res.body.streamId, `user-${res.body.userId}`);
    assert.equal(res.body.version, 1);
    assert.equal(typeof res.body.position, 'number');
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(res.headers.get('location'), `/users/${res.body.userId}`);

    const [registered, ...rest] = await log.revealed(`user-${res.body.userId}`);
    assert.equal(rest.length, 0);
    assert.equal(registered!.type, 'UserRegistered');
    assert.equal(registered!.position, res.body.position);
    // The log holds the personal fields encrypted only (see account-deletion.e2e.test.ts).
    const [stored] = await log.stream(`user-${res.body.userId}`);
    for (const field of ['username', 'email', 'displayName']) assert.match(stored!.data[field], /^pd1:/);
    assert.ok(!JSON.stringify(stored).includes(username));
    // Without a display name the username is shown.
    assert.deepEqual(registered!.data, {
      userId: res.body.userId,
      username,
      email,
      displayName: username,
      role: 'user',
    });
  });

  test('stores a password hash, never the password', async () => {
    const password = 'a very secret passphrase';
    const username = uniqueName('hash');
    const res = await api.post('/users', { username, email: `${username}@example.com`, password });
    assert.equal(res.status, 201);
    const { rows } = await log.query(`SELECT data::text AS data FROM es_events WHERE data::text LIKE $1`, [
      `%${password}%`,
    ]);
    assert.equal(rows.length, 0, 'the password is in the event store');
    const [set] = await log.stream(`credentials-${res.body.userId}`);
    assert.equal(set!.type, 'PasswordSet');
    assert.match(set!.data.passwordHash, /^\$argon2id\$/);
  });

  test('refuses a taken username, whatever its case, with 409 username-taken and appends nothing', async () => {
    const username = uniqueName('Case');
    const first = await api.post('/users', {
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
    });
    assert.equal(first.status, 201);
    const before = await log.count();

    for (const variant of [username, username.toLowerCase(), username.toUpperCase()]) {
      const res = await api.post('/users', {
        username: variant,
        email: `other.${variant}@example.com`,
        password: PASSWORD,
      });
      assertProblem(res, 409, 'business-rule-violated', 'username-taken');
    }
    assert.equal(await log.count(), before);
  });

  test('refuses a registered email, whatever its case, with 409 email-taken and appends nothing', async () => {
    const username = uniqueName('mail');
    const email = `${username}@example.com`;
    assert.equal((await api.post('/users', { username, email, password: PASSWORD })).status, 201);
    const before = await log.count();

    for (const variant of [email, email.toUpperCase()]) {
      const res = await api.post('/users', {
        username: uniqueName('mail'),
        email: variant,
        password: PASSWORD,
      });
      assertProblem(res, 409, 'business-rule-violated', 'email-taken');
    }
    assert.equal(await log.count(), before);
  });
});

describe('log-in', () => {
  let user: TestUser;

  before(async () => {
    user = await newUser(api, 'login');
  });

  test('answers 201 with a bearer token valid for an hour', async () => {
    const res = await api.post('/sessions', { username: user.username, password: PASSWORD });
    assert.equal(res.status, 201);
    assert.equal(typeof res.body.token, 'string');
    assert.ok(res.body.token.length >= 32);
    assert.equal(res.body.tokenType, 'Bearer');
    assert.equal(res.body.expiresIn, 3600);
    assert.equal(res.body.userId, user.userId);
    // Each log-in is a session of its own.
    assert.notEqual(res.body.token, user.token);
  });

  test('ignores Idempotency-Key: a token is never stored as a replayable answer', async () => {
    const headers = { 'idempotency-key': 'login-key-1' };
    const first = await api.post('/sessions', { username: user.username, password: PASSWORD }, { headers });
    const second = await api.post('/sessions', { username: user.username, password: PASSWORD }, { headers });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.notEqual(first.body.token, second.body.token);
    assert.equal(second.headers.get('idempotent-replayed'), null);
    const { rows } = await log.query(
      `SELECT count(*)::int AS n FROM command_idempotency WHERE key = 'login-key-1'`,
    );
    assert.equal(rows[0].n, 0);
  });

  test('refuses a wrong password and an unknown user alike with 401 and WWW-Authenticate: Bearer', async () => {
    const wrong = await api.post('/sessions', { username: user.username, password: 'not the password' });
    const unknown = await api.post('/sessions', { username: uniqueName('ghost'), password: PASSWORD });
    for (const res of [wrong, unknown]) {
      assertProblem(res, 401, 'unauthenticated');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      assert.equal(res.body.token, undefined);
    }
    // Nothing tells which of the two was wrong.
    assert.equal(wrong.body.detail, unknown.body.detail);
    // A later correct log-in resets the failure count.
    assert.equal((await api.post('/sessions', { username: user.username, password: PASSWORD })).status, 201);
  });

  test(`locks a username out with 429 and Retry-After after ${MAX_FAILURES} failures`, async () => {
    const victim = await newUser(api, 'locked');
    for (let i = 0; i < MAX_FAILURES; i++) {
      const res = await api.post('/sessions', { username: victim.username, password: `wrong-${i}` });
      assertProblem(res, 401, 'unauthenticated');
    }
    // Even the right password is refused while locked, and so is another spelling of the name.
    for (const username of [victim.username, victim.username.toUpperCase()]) {
      const res = await api.post('/sessions', { username, password: PASSWORD });
      assertProblem(res, 429, 'too-many-requests');
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 900,
        `Retry-After ${retryAfter}`,
      );
      assert.equal(res.body.token, undefined);
    }
    // Other accounts are not affected.
    assert.equal((await api.post('/sessions', { username: user.username, password: PASSWORD })).status, 201);
  });

  test('counts failures per username even when the user does not exist', async () => {
    const ghost = uniqueName('ghost');
    for (let i = 0; i < MAX_FAILURES; i++) {
      assertProblem(await api.post('/sessions', { username: ghost, password: PASSWORD }), 401);
    }
    assertProblem(
      await api.post('/sessions', { username: ghost, password: PASSWORD }),
      429,
      'too-many-requests',
    );
  });

  test('a successful log-in resets the failure count', async () => {
    const careless = await newUser(api, 'careless');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < MAX_FAILURES - 1; i++) {
        assertProblem(
          await api.post('/sessions', { username: careless.username, password: 'oops-oops' }),
          401,
        );
      }
      assert.equal(
        (await api.post('/sessions', { username: careless.username, password: PASSWORD })).status,
        201,
      );
    }
  });
});

describe('logs', () => {
  test('never contain a bearer token or a password', async () => {
    const user = await newUser(api, 'logged');
    await api.patch('/users/me', { displayName: 'Logged' }, { token: user.token });
    await api.post('/sessions', { username: user.username, password: 'wrong password 123' });
    await new Promise((r) => setTimeout(r, 200)); // let the child's stdout drain
    const text = JSON.stringify(svc.logs);
    assert.ok(text.includes('/users/me'), 'the requests were logged');
    assert.ok(!text.includes(user.token), 'a bearer token was logged');
    assert.ok(!text.includes(PASSWORD) && !text.includes('wrong password 123'), 'a password was logged');
  });
});

describe('sessions in Redis', () => {
  test('a session is a hash under the prefix with user_id, username, role and times, expiring within an hour', async () => {
    const user = await newUser(api, 'redis');
    const key = await sessionKeyOf(user.userId);
    assert.ok(key.startsWith(`${svc.redisPrefix}session:`));
    // The key is derived from the token but is not the token.
    assert.ok(!key.includes(user.token), 'the bearer token is readable in Redis');

    const session = await redis.hgetall(key);
    assert.equal(session.user_id, user.userId);
    assert.equal(session.username, user.username);
    assert.equal(session.email, user.email, 'the log-in knows the address');
    assert.equal(session.role, 'user');
    for (const field of ['login_time', 'last_activity'] as const) {
      // Epoch seconds, as the seed has them.
      assert.match(session[field] ?? '', /^\d+$/, `${field} is not epoch seconds: ${session[field]}`);
      assert.ok(Math.abs(Number(session[field]) - Date.now() / 1000) < 60, `${field} is not now`);
    }
    const ttl = await redis.ttl(key);
    assert.ok(ttl > 3500 && ttl <= 3600, `TTL ${ttl}`);
  });

  test('an authenticated request refreshes the TTL and last_activity', async () => {
    const user = await newUser(api, 'sliding');
    const key = await sessionKeyOf(user.userId);
    // As if the session had last been used long ago (epoch seconds: a pause would take a second).
    await redis.hset(key, 'last_activity', '1000');
    const before = await redis.hgetall(key);
    await redis.expire(key, 100);
    assert.ok((await redis.ttl(key)) <= 100);

    const res = await api.patch('/users/me', { displayName: 'Still Here' }, { token: user.token });
    assert.equal(res.status, 200);

    const ttl = await redis.ttl(key);
    assert.ok(ttl > 3500 && ttl <= 3600, `TTL after use ${ttl}`);
    const after = await redis.hgetall(key);
    assert.equal(after.login_time, before.login_time);
    assert.ok(Number(after.last_activity) >= Number(before.login_time));
  });

  test('an expired (deleted) session is refused with 401', async () => {
    const user = await newUser(api, 'expired');
    await redis.del(await sessionKeyOf(user.userId));
    const res = await api.patch('/users/me', { displayName: 'Gone' }, { token: user.token });
    assertProblem(res, 401, 'unauthenticated');
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    // A refused token does not bring the session back.
    assert.deepEqual(await sessionsOf(user.userId), []);
  });

  test('log-out answers 204, deletes the session, and the token is then refused with 401', async () => {
    const user = await newUser(api, 'logout');
    const key = await sessionKeyOf(user.userId);
    const res = await api.delete('/sessions/current', { token: user.token });
    assert.equal(res.status, 204);
    assert.equal(res.body, '');
    assert.equal(await redis.exists(key), 0);

    const after = await api.patch('/users/me', { displayName: 'Ghost' }, { token: user.token });
    assertProblem(after, 401, 'unauthenticated');
    assert.equal(after.headers.get('www-authenticate'), 'Bearer');
    assertProblem(await api.delete('/sessions/current', { token: user.token }), 401, 'unauthenticated');

    // Other sessions of the same user stay valid.
    const again = await api.post('/sessions', { username: user.username, password: PASSWORD });
    assert.equal(again.status, 201);
    assert.equal(
      (await api.patch('/users/me', { displayName: 'Back' }, { token: again.body.token })).status,
      200,
    );
  });

  test('a missing, malformed or unknown bearer token is refused with 401', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer not a token' },
      { authorization: `Bearer ${'A'.repeat(43)}` },
    ];
    for (const headers of cases) {
      const res = await api.patch('/users/me', { displayName: 'Nobody' }, { headers });
      assertProblem(res, 401, 'unauthenticated');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer', JSON.stringify(headers));
    }
  });
});

describe('PATCH /users/me', () => {
  let user: TestUser;

  before(async () => {
    user = await newUser(api, 'profile');
  });

  test('updates the caller’s profile: 200, the next version as ETag, one UserProfileUpdated', async () => {
    const res = await api.patch(
      '/users/me',
      { displayName: 'Ada L.', avatarUrl: 'https://example.com/ada.png' },
      { token: user.token },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.streamId, `user-${user.userId}`);
    // Version 2 is the log-in.
    assert.equal(res.body.version, 3);
    assert.equal(res.headers.get('etag'), '"3"');
    const events = await log.revealed(`user-${user.userId}`);
    assert.deepEqual(
      events.map((e) => e.type),
      ['UserRegistered', 'UserLoggedIn', 'UserProfileUpdated'],
    );
    assert.deepEqual(events[2]!.data, {
      userId: user.userId,
      displayName: 'Ada L.',
      avatarUrl: 'https://example.com/ada.png',
    });
    assert.equal(events[2]!.position, res.body.position);
    assert.equal(events[2]!.metadata.actorUserId, user.userId);
  });

  test('an update that changes nothing appends nothing and keeps the version', async () => {
    const before = await log.count();
    const res = await api.patch('/users/me', { displayName: 'Ada L.' }, { token: user.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.version, 3);
    assert.equal(res.headers.get('etag'), '"3"');
    assert.equal(await log.count(), before);
  });

  test('honours If-Match: the current version passes, a stale one is 412 with currentVersion', async () => {
    const before = await log.count();
    const stale = await api.patch(
      '/users/me',
      { displayName: 'Stale' },
      { token: user.token, headers: { 'if-match': '"2"' } },
    );
    const body = assertProblem(stale, 412, 'precondition-failed');
    assert.equal(body.currentVersion, 3);
    assert.equal(stale.headers.get('etag'), '"3"');
    assert.equal(await log.count(), before);

    const current = await api.patch(
      '/users/me',
      { avatarUrl: null },
      { token: user.token, headers: { 'if-match': '"3"' } },
    );
    assert.equal(current.status, 200);
    assert.equal(current.body.version, 4);
    assert.equal(current.headers.get('etag'), '"4"');
    const last = (await log.revealed(`user-${user.userId}`)).at(-1)!;
    assert.deepEqual(last.data, { userId: user.userId, avatarUrl: null });
  });

  test('changes only the caller’s own profile', async () => {
    const other = await newUser(api, 'other');
    await api.patch('/users/me', { displayName: 'Mine Only' }, { token: other.token });
    const events = await log.revealed(`user-${user.userId}`);
    assert.ok(events.every((e) => e.data.displayName !== 'Mine Only'));
    assert.equal((await log.revealed(`user-${other.userId}`)).at(-1)!.data.displayName, 'Mine Only');
  });
});

describe('roles', () => {
  test('ops make the first admin with npm run set-role; from the next log-in they change roles over HTTP', async () => {
    const [first, other] = [await newUser(api, 'firstadmin'), await newUser(api, 'promoted')];
    const refused = await api.put(`/users/${other.userId}/role`, { role: 'admin' }, { token: first.token });
    assertProblem(refused, 403, 'forbidden', 'admin-only');

    assert.match(setRoleFromCli(svc.db.url, first.username, 'admin'), /is now admin/);
    const [granted] = (await log.stream(`user-${first.userId}`)).filter((e) => e.type === 'UserRoleChanged');
    assert.deepEqual(granted?.data, { userId: first.userId, role: 'admin', changedBy: null });

    const relogged = await api.post('/sessions', { username: first.username, password: PASSWORD });
    const ok = await api.put(
      `/users/${other.userId}/role`,
      { role: 'admin' },
      { token: relogged.body.token },
    );
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const self = await api.put(
      `/users/${first.userId}/role`,
      { role: 'user' },
      { token: relogged.body.token },
    );
    assertProblem(self, 403, 'forbidden', 'cannot-change-own-role');
  });
});
