import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  assertProblem,
  EventLog,
  meetingBody,
  newUser,
  newUsers,
  PASSWORD,
  scheduleMeeting,
  STACK_TRACE,
  uniqueName,
  UUID,
} from '../testing/e2e.js';
import type { TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient } from '../testing/http-client.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

let svc: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;
let host: TestUser;
let alice: TestUser;
let bob: TestUser;

before(async () => {
  // Racing writers by the hundred from a few users: the per-user rate limit (rate-limit.e2e) is off.
  svc = await startServiceProcess({ RATE_LIMIT_COMMANDS: '0' });
  api = apiClient(svc.baseUrl);
  log = new EventLog(svc.db.url);
  [host, alice, bob] = await newUsers(api, 'host', 'alice', 'bob');
});

after(async () => {
  await log?.close();
  await svc?.stop();
});

const key = () => `key-${randomUUID()}`;

describe('optimistic concurrency (ETag / If-Match)', () => {
  let meetingId: string;

  test('the ETag is the quoted stream version', async () => {
    const res = await api.post('/meetings', meetingBody(), { token: host.token });
    assert.equal(res.status, 201);
    meetingId = res.body.meetingId;
    assert.equal(res.headers.get('etag'), `"${res.body.version}"`);
    assert.equal(res.body.version, 1);
    const joined = await api.post(`/meetings/${meetingId}/join`, undefined, { token: alice.token });
    assert.equal(joined.headers.get('etag'), '"2"');
    assert.equal(joined.body.version, 2);
  });

  test('If-Match with the current version succeeds; a weak tag is accepted too', async () => {
    const res = await api.patch(
      `/meetings/${meetingId}`,
      { title: 'Pinned' },
      { token: host.token, headers: { 'if-match': '"2"' } },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.version, 3);
    assert.equal(res.headers.get('etag'), '"3"');
    const weak = await api.patch(
      `/meetings/${meetingId}`,
      { title: 'Weak' },
      { token: host.token, headers: { 'if-match': 'W/"3"' } },
    );
    assert.equal(weak.status, 200);
    assert.equal(weak.body.version, 4);
  });

  test('a stale or future If-Match is 412 with currentVersion and appends nothing', async () => {
    const before = await log.count();
    for (const stale of ['"3"', '"1"', '"0"', '"99"']) {
      const res = await api.patch(
        `/meetings/${meetingId}`,
        { title: 'Lost update' },
        { token: host.token, headers: { 'if-match': stale } },
      );
      const problem = assertProblem(res, 412, 'precondition-failed');
      assert.equal(problem.currentVersion, 4);
      assert.equal(res.headers.get('etag'), '"4"');
    }
    // Even a command that would change nothing checks the precondition.
    const noop = await api.post(`/meetings/${meetingId}/participants/${alice.userId}/video-on`, undefined, {
      token: alice.token,
      headers: { 'if-match': '"2"' },
    });
    assertProblem(noop, 412, 'precondition-failed');
    assert.equal(await log.count(), before);
    const events = await log.stream(`meeting-${meetingId}`);
    assert.equal(events.length, 4);
    assert.ok(events.every((e) => e.data.title !== 'Lost update'));
  });

  test('10 users joining the same meeting at once all get in, with contiguous versions', async () => {
    const users = await Promise.all(Array.from({ length: 10 }, (_v, i) => newUser(api, `crowd${i}`)));
    const id = await scheduleMeeting(api, host, { maxParticipants: 20 });
    const answers = await Promise.all(
      users.map((u) => api.post(`/meetings/${id}/join`, undefined, { token: u.token })),
    );
    for (const res of answers) assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      answers.map((r) => r.body.version).sort((a, b) => a - b),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    const events = await log.stream(`meeting-${id}`);
    const joins = events.filter((e) => e.type === 'ParticipantJoined');
    assert.equal(joins.length, 10);
    assert.deepEqual(
      events.map((e) => e.version),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    assert.deepEqual(joins.map((e) => e.data.userId).sort(), users.map((u) => u.userId).sort());
    for (const res of answers) {
      const event = events.find((e) => e.version === res.body.version)!;
      assert.equal(event.position, res.body.position);
    }
  });

  test('concurrent commands pinned to the same version: exactly one wins, the others get 412', async () => {
    const id = await scheduleMeeting(api, host);
    const answers = await Promise.all(
      ['One', 'Two', 'Three', 'Four', 'Five'].map((title) =>
        api.patch(`/meetings/${id}`, { title }, { token: host.token, headers: { 'if-match': '"1"' } }),
      ),
    );
    const won = answers.filter((r) => r.status === 200);
    assert.equal(won.length, 1, JSON.stringify(answers.map((r) => r.status)));
    for (const res of answers.filter((r) => r.status !== 200)) {
      const problem = assertProblem(res, 412, 'precondition-failed');
      assert.equal(problem.currentVersion, 2);
    }
    assert.equal((await log.stream(`meeting-${id}`)).length, 2);
  });
});

describe('Idempotency-Key', () => {
  test('the same key and body twice: the same answer, Idempotent-Replayed, nothing appended', async () => {
    const k = key();
    const body = meetingBody({ title: 'Once only' });
    const first = await api.post('/meetings', body, { token: host.token, headers: { 'idempotency-key': k } });
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const count = await log.count();

    const second = await api.post('/meetings', body, {
      token: host.token,
      headers: { 'idempotency-key': k },
    });
    assert.equal(second.status, first.status);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(second.headers.get('etag'), first.headers.get('etag'));
    assert.equal(second.headers.get('location'), first.headers.get('location'));
    assert.match(second.contentType, /^application\/json/);
    assert.equal(await log.count(), count);
    assert.equal((await log.stream(`meeting-${first.body.meetingId}`)).length, 1);
  });

  test('the key is not confused by a different order of the same fields', async () => {
    const k = key();
    const first = await api.post(
      '/meetings',
      { title: 'Order', scheduledStartAt: '2030-01-01T09:00:00Z' },
      { token: host.token, headers: { 'idempotency-key': k } },
    );
    const second = await api.post(
      '/meetings',
      { scheduledStartAt: '2030-01-01T09:00:00Z', title: 'Order' },
      { token: host.token, headers: { 'idempotency-key': k } },
    );
    assert.equal(second.status, 201);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(second.body.meetingId, first.body.meetingId);
  });

  test('the same key with another body or another endpoint: 422 idempotency-key-reused', async () => {
    const k = key();
    const first = await api.post('/meetings', meetingBody({ title: 'A' }), {
      token: host.token,
      headers: { 'idempotency-key': k },
    });
    assert.equal(first.status, 201);
    const count = await log.count();
    const other = await api.post('/meetings', meetingBody({ title: 'B' }), {
      token: host.token,
      headers: { 'idempotency-key': k },
    });
    assertProblem(other, 422, 'idempotency-key-reused');
    const elsewhere = await api.post(`/meetings/${first.body.meetingId}/join`, undefined, {
      token: host.token,
      headers: { 'idempotency-key': k },
    });
    assertProblem(elsewhere, 422, 'idempotency-key-reused');
    assert.equal(await log.count(), count);
  });

  test('keys are scoped per user: the same key from two users runs twice', async () => {
    const k = key();
    const body = meetingBody({ title: 'Same key' });
    const fromAlice = await api.post('/meetings', body, {
      token: alice.token,
      headers: { 'idempotency-key': k },
    });
    const fromBob = await api.post('/meetings', body, {
      token: bob.token,
      headers: { 'idempotency-key': k },
    });
    assert.equal(fromAlice.status, 201);
    assert.equal(fromBob.status, 201);
    assert.equal(fromBob.headers.get('idempotent-replayed'), null);
    assert.notEqual(fromAlice.body.meetingId, fromBob.body.meetingId);
    const [scheduledByBob] = await log.stream(`meeting-${fromBob.body.meetingId}`);
    assert.equal(scheduledByBob!.data.hostId, bob.userId);
    // Each one still replays its own.
    const again = await api.post('/meetings', body, { token: bob.token, headers: { 'idempotency-key': k } });
    assert.equal(again.body.meetingId, fromBob.body.meetingId);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  });

  test('anonymous registration with a key replays the 201 with the same user id', async () => {
    const k = key();
    const username = uniqueName('idem');
    const body = { username, email: `${username}@example.com`, password: PASSWORD };
    const first = await api.post('/users', body, { headers: { 'idempotency-key': k } });
    assert.equal(first.status, 201);
    const count = await log.count();
    const second = await api.post('/users', body, { headers: { 'idempotency-key': k } });
    assert.equal(second.status, 201);
    assert.equal(second.body.userId, first.body.userId);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(second.headers.get('location'), `/users/${first.body.userId}`);
    assert.equal(await log.count(), count);
    // Without the key the same body is a second registration attempt, refused.
    assertProblem(await api.post('/users', body), 409, 'business-rule-violated', 'username-taken');
  });

  test('a refused command (409) with a key is replayed as the same 409, even after the state changed', async () => {
    const id = await scheduleMeeting(api, host);
    assert.equal((await api.post(`/meetings/${id}/join`, undefined, { token: alice.token })).status, 200);
    const k = key();
    const refused = await api.post(`/meetings/${id}/join`, undefined, {
      token: alice.token,
      headers: { 'idempotency-key': k },
    });
    assertProblem(refused, 409, 'business-rule-violated', 'already-in-meeting');
    assert.equal(refused.headers.get('idempotent-replayed'), null);

    assert.equal((await api.post(`/meetings/${id}/leave`, undefined, { token: alice.token })).status, 200);
    const count = await log.count();
    const replayed = await api.post(`/meetings/${id}/join`, undefined, {
      token: alice.token,
      headers: { 'idempotency-key': k },
    });
    assertProblem(replayed, 409, 'business-rule-violated', 'already-in-meeting');
    assert.deepEqual(replayed.body, refused.body);
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.equal(await log.count(), count);
  });

  test('a retried join with a key after the join succeeded is replayed, not refused', async () => {
    const id = await scheduleMeeting(api, host);
    const k = key();
    const first = await api.post(`/meetings/${id}/join`, undefined, {
      token: bob.token,
      headers: { 'idempotency-key': k },
    });
    assert.equal(first.status, 200);
    const second = await api.post(`/meetings/${id}/join`, undefined, {
      token: bob.token,
      headers: { 'idempotency-key': k },
    });
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get('etag'), first.headers.get('etag'));
  });

  test('the same keyed request sent concurrently appends once', async () => {
    const k = key();
    const body = meetingBody({ title: 'Racing retries' });
    const count = await log.count();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        api.post('/meetings', body, { token: host.token, headers: { 'idempotency-key': k } }),
      ),
    );
    const ok = answers.filter((r) => r.status === 201);
    assert.ok(ok.length >= 1, JSON.stringify(answers.map((r) => r.status)));
    for (const res of answers.filter((r) => r.status !== 201)) {
      assertProblem(res, 409, 'request-in-progress');
      assert.equal(res.headers.get('retry-after'), '1');
    }
    assert.equal(new Set(ok.map((r) => r.body.meetingId)).size, 1);
    assert.equal(await log.count(), count + 1);
  });

  test('after the key’s record expired: another body is a new request, the same body is still the same one', async () => {
    const k = key();
    const headers = { 'idempotency-key': k };
    const first = await api.post('/meetings', meetingBody({ title: 'Before expiry' }), {
      token: host.token,
      headers,
    });
    assert.equal(first.status, 201);
    await log.query('DELETE FROM command_idempotency WHERE key = $1', [k]); // what the TTL purge does

    const count = await log.count();
    const other = await api.post('/meetings', meetingBody({ title: 'After expiry' }), {
      token: host.token,
      headers,
    });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    assert.notEqual(other.body.meetingId, first.body.meetingId);
    assert.equal(await log.count(), count + 1);

    await log.query('DELETE FROM command_idempotency WHERE key = $1', [k]);
    const same = await api.post('/meetings', meetingBody({ title: 'Before expiry' }), {
      token: host.token,
      headers,
    });
    assert.equal(same.status, 201);
    assert.equal(same.body.meetingId, first.body.meetingId, 'found in the stream, not scheduled twice');
    assert.equal(same.body.version, first.body.version);
    assert.equal(await log.count(), count + 1);
  });
});

describe('correlation ids', () => {
  test('a client’s X-Correlation-Id is echoed and stored in the events’ metadata', async () => {
    const correlationId = `trace-${randomUUID()}`;
    const res = await api.post('/meetings', meetingBody({ title: 'Traced' }), {
      token: host.token,
      headers: { 'x-correlation-id': correlationId },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-correlation-id'), correlationId);
    const [event] = await log.stream(`meeting-${res.body.meetingId}`);
    assert.equal(event!.metadata.correlationId, correlationId);
    assert.equal(event!.metadata.actorUserId, host.userId);
    assert.match(event!.metadata.causationId, UUID);
  });

  test('without one (or with an unusable one) the service makes one up and stores it', async () => {
    const cases: Record<string, string>[] = [
      {},
      { 'x-correlation-id': 'has spaces in it' },
      { 'x-correlation-id': 'x'.repeat(101) },
    ];
    for (const headers of cases) {
      const res = await api.post('/meetings', meetingBody({ title: 'Untraced' }), {
        token: host.token,
        headers,
      });
      assert.equal(res.status, 201);
      const generated = res.headers.get('x-correlation-id')!;
      assert.match(generated, UUID);
      const [event] = await log.stream(`meeting-${res.body.meetingId}`);
      assert.equal(event!.metadata.correlationId, generated);
    }
  });

  test('error answers carry the correlation id header too', async () => {
    const res = await api.post(`/meetings/${randomUUID()}/join`, undefined, {
      token: host.token,
      headers: { 'x-correlation-id': 'refused-1' },
    });
    assertProblem(res, 404, 'not-found');
    assert.equal(res.headers.get('x-correlation-id'), 'refused-1');
  });
});

// Last: this breaks the service's database for good.
describe('an unexpected fault', () => {
  test('is a 500 internal-error with the correlation id and no stack, and is logged', async () => {
    await log.query('DROP TABLE es_events');
    const generated = await api.post('/meetings', meetingBody(), { token: host.token });
    const problem = assertProblem(generated, 500, 'internal-error');
    assert.match(problem.correlationId, UUID);
    assert.equal(problem.correlationId, generated.headers.get('x-correlation-id'));
    assert.doesNotMatch(problem.detail, /es_events|does not exist/);

    const given = await api.post('/meetings', meetingBody(), {
      token: host.token,
      headers: { 'x-correlation-id': 'fault-42', 'idempotency-key': key() },
    });
    assert.equal(assertProblem(given, 500, 'internal-error').correlationId, 'fault-42');
    assert.equal(given.headers.get('x-correlation-id'), 'fault-42');
    assert.doesNotMatch(JSON.stringify(given.body), STACK_TRACE);

    // The log has what the body does not: the error, under the same correlation id.
    const deadline = Date.now() + 2000;
    let entry: Record<string, any> | undefined;
    while (!entry && Date.now() < deadline) {
      entry = svc.logs.find((l) => l.correlationId === 'fault-42' && (l.level as number) >= 50);
      if (!entry) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(entry, 'no error was logged for the fault');
    assert.match(JSON.stringify(entry.err), /es_events/);
  });
});
