import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metricValue, scrape } from '@meetings/command-service/testing';
import { apiClient } from '../testing/http.js';
import type { Get } from '../testing/http.js';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';
import { connect } from '../testing/ws-client.js';
import type { TestSocket } from '../testing/ws-client.js';

let api: QueryApiUnderTest;
let fx: ReadModelFixture;
let get: Get;
let alice: TestViewer;
let meetingId: string;
const sockets: TestSocket[] = [];

before(async () => {
  api = await startQueryApi();
  fx = new ReadModelFixture(api.db.url, api.redisUrl, api.redisPrefix);
  get = apiClient(api.baseUrl);
  alice = await fx.user();
  meetingId = await fx.meeting(alice.userId, { title: 'Metrics', start_time: '2030-01-07T09:00:00Z' });
});

after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await fx?.close();
  await api?.stop();
});

describe('GET /metrics of the query API', () => {
  test('requests by route template and status, and open WebSocket connections', async () => {
    assert.equal((await get(`/meetings/${meetingId}`, alice.token)).status, 200);
    assert.equal((await get(`/meetings/${meetingId}`)).status, 401);
    sockets.push(await connect(`${api.wsUrl}?token=${alice.token}`));
    sockets.push(await connect(`${api.wsUrl}?token=${alice.token}`));

    let text = await scrape(api.baseUrl);
    const requests = (labels: Record<string, string>) => metricValue(text, 'http_requests_total', labels);
    assert.equal(requests({ method: 'GET', route: '/meetings/:meetingId', status: '200' }), 1);
    assert.equal(requests({ method: 'GET', route: '/meetings/:meetingId', status: '401' }), 1);
    assert.equal(
      metricValue(text, 'http_request_duration_seconds_count', { route: '/meetings/:meetingId' }),
      2,
    );
    assert.equal(metricValue(text, 'websocket_connections', { server: 'rooms', service: 'query-api' }), 2);
    // No ids, tokens or raw URLs in labels.
    assert.ok(!text.includes(meetingId) && !text.includes(alice.userId) && !text.includes(alice.token));

    await sockets.pop()!.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    text = await scrape(api.baseUrl);
    assert.equal(metricValue(text, 'websocket_connections', { server: 'rooms' }), 1);
  });
});
