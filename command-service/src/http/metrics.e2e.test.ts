import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertProblem, meetingBody, newUser, PASSWORD } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient } from '../testing/http-client.js';
import { metricValue, scrape } from '../testing/metrics-text.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

let svc: ServiceUnderTest;
let api: ApiClient;

before(async () => {
  svc = await startServiceProcess();
  api = apiClient(svc.baseUrl);
});

after(async () => {
  await svc?.stop();
});

describe('GET /metrics of the command service', () => {
  test('counts accepted and refused commands by rule, requests by route template, and appends', async () => {
    const alice = await newUser(api, 'alice');
    const taken = await api.post('/users', {
      username: alice.username,
      email: `x${alice.email}`,
      password: PASSWORD,
    });
    assertProblem(taken, 409, 'business-rule-violated', 'username-taken');
    const scheduled = await api.post('/meetings', meetingBody(), {
      token: alice.token,
      headers: { 'Idempotency-Key': randomUUID() },
    });
    assert.equal(scheduled.status, 201, JSON.stringify(scheduled.body));
    const missing = await api.post(
      `/meetings/${randomUUID()}/cancel`,
      {},
      {
        token: alice.token,
        headers: { 'Idempotency-Key': randomUUID() },
      },
    );
    assert.ok(missing.status >= 400 && missing.status < 500, `${missing.status}`);

    const text = await scrape(svc.baseUrl);
    const commands = (labels: Record<string, string>) => metricValue(text, 'commands_total', labels);
    assert.equal(commands({ operation: 'registerUser', outcome: 'refused', rule: 'username-taken' }), 1);
    assert.equal(commands({ operation: 'registerUser', outcome: 'accepted', rule: 'none' }), 1);
    assert.equal(commands({ outcome: 'accepted' }) >= 3, true, 'register, log in, schedule');
    assert.equal(commands({ outcome: 'failed' }), 0);

    const requests = (labels: Record<string, string>) => metricValue(text, 'http_requests_total', labels);
    assert.equal(requests({ method: 'POST', route: '/users', status: '409' }), 1);
    assert.equal(requests({ method: 'POST', route: '/users', status: '201' }), 1);
    assert.equal(requests({ method: 'POST', route: '/meetings', status: '201' }), 1);
    assert.equal(requests({ method: 'POST', route: '/meetings/:meetingId/cancel' }), 1);
    assert.equal(
      metricValue(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/users' }),
      2,
    );
    assert.ok(metricValue(text, 'event_store_append_duration_seconds_count', { outcome: 'ok' }) >= 2);
    assert.ok(metricValue(text, 'event_store_appended_events_total') >= 2);
    assert.ok(metricValue(text, 'process_cpu_user_seconds_total', { service: 'command-service' }) > 0);

    // Bounded labels and no personal data: route templates only, never ids, names or emails.
    assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    assert.ok(!text.includes(alice.username) && !text.includes(alice.email));
  });

  test('a request no route matches is counted as unmatched, not under its URL', async () => {
    const res = await api.get(`/no/such/${randomUUID()}`);
    assert.equal(res.status, 404);
    const text = await scrape(svc.baseUrl);
    assert.ok(metricValue(text, 'http_requests_total', { route: 'unmatched', status: '404' }) >= 1);
    assert.ok(!text.includes('/no/such'));
  });
});
