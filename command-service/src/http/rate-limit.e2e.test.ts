import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { assertProblem, EventLog, meetingBody, newUser, newUsers, PASSWORD } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient } from '../testing/http-client.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

/** The per-user command limit (`rate:{userId}` in Redis), with a small quota to reach it quickly. */

const LIMIT = 3;
const WINDOW = 60;

let svc: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;
let redis: Redis;

before(async () => {
  svc = await startServiceProcess({
    RATE_LIMIT_COMMANDS: String(LIMIT),
    RATE_LIMIT_WINDOW_SECONDS: String(WINDOW),
  });
  api = apiClient(svc.baseUrl);
  log = new EventLog(svc.db.url);
  redis = new Redis(svc.redisUrl, { keyPrefix: svc.redisPrefix });
});

after(async () => {
  redis?.disconnect();
  await log?.close();
  await svc?.stop();
});

const schedule = (token: string, key = randomUUID()) =>
  api.post('/meetings', meetingBody(), { token, headers: { 'Idempotency-Key': key } });

describe('command rate limit', () => {
  test('the (N+1)th command in the window is 429 with Retry-After and RateLimit headers, and appends nothing', async () => {
    const [alice, bob] = await newUsers(api, 'alice', 'bob');
    for (let i = 1; i <= LIMIT; i++) {
      const res = await schedule(alice.token);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.headers.get('ratelimit-policy'), `"commands";q=${LIMIT};w=${WINDOW}`);
      assert.match(res.headers.get('ratelimit') ?? '', new RegExp(`^"commands";r=${LIMIT - i};t=\\d+$`));
    }
    const before = await log.count();
    const refused = await schedule(alice.token);
    assertProblem(refused, 429, 'rate-limited', 'command-rate-limit');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= WINDOW, `Retry-After ${retryAfter}`);
    assert.equal(refused.headers.get('ratelimit-policy'), `"commands";q=${LIMIT};w=${WINDOW}`);
    assert.equal(refused.headers.get('ratelimit'), `"commands";r=0;t=${retryAfter}`);
    assert.equal(await log.count(), before, 'a refused command appended events');

    const ttl = await redis.ttl(`rate:${alice.userId}`);
    assert.ok(ttl > 0 && ttl <= WINDOW, `rate:{user} TTL ${ttl}`);

    // Another user has a quota of their own; log-in (anonymous) is not counted.
    const other = await schedule(bob.token);
    assert.equal(other.status, 201, JSON.stringify(other.body));
    assert.match(other.headers.get('ratelimit') ?? '', new RegExp(`^"commands";r=${LIMIT - 1};t=\\d+$`));
    const login = await api.post('/sessions', { username: alice.username, password: PASSWORD });
    assert.equal(login.status, 201);
    assert.equal(login.headers.get('ratelimit'), null);
  });

  test('a refusal is not kept as the answer of its Idempotency-Key: the retry after the window runs', async () => {
    const carol = await newUser(api, 'carol');
    for (let i = 0; i < LIMIT; i++) assert.equal((await schedule(carol.token)).status, 201);
    const key = randomUUID();
    assertProblem(await schedule(carol.token, key), 429, 'rate-limited');

    await redis.pexpire(`rate:${carol.userId}`, 1); // the window ends
    await new Promise((resolve) => setTimeout(resolve, 20));
    const retried = await schedule(carol.token, key);
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.equal(retried.headers.get('idempotent-replayed'), null);
  });
});
