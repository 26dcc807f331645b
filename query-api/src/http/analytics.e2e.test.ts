import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createPool, PostgresEventStore } from '@meetings/db';
import { mongoServerLabel, startTestMongo } from '@meetings/db/testing';
import type { TestMongo } from '@meetings/db/testing';
import { currentSchemaVersion, streams } from '@meetings/events';
import { apiClient, assertBadParameter, assertProblem, until } from '../testing/http.js';
import type { Get } from '../testing/http.js';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';
import { call, registerUser, startSystem } from '../testing/system.js';
import type { SystemUnderTest } from '../testing/system.js';

type User = Awaited<ReturnType<typeof registerUser>>;

/**
 * The whole path: commands → event store → projection-workers' `mongo-analytics` → MongoDB →
 * query-api, every service a process started with MONGO_URL.
 */
describe(`analytics endpoints, end to end (${mongoServerLabel()})`, () => {
  let mongo: TestMongo;
  let system: SystemUnderTest;
  let fx: ReadModelFixture;
  let get: Get;
  let host: User, guest: User, outsider: User;
  let admin: TestViewer;
  let meetingId: string;
  const taskId = randomUUID();

  before(async () => {
    mongo = await startTestMongo();
    system = await startSystem({ MONGO_URL: mongo.url, MONGO_DATABASE: mongo.database });
    fx = new ReadModelFixture(system.query.db.url, system.query.redisUrl, system.query.redisPrefix);
    get = apiClient(system.query.baseUrl);
    [host, guest, outsider] = [
      await registerUser(system, 'host'),
      await registerUser(system, 'guest'),
      await registerUser(system, 'outsider'),
    ];
    admin = await fx.user('admin');
    const base = system.command.baseUrl;
    const scheduled = await call(base, 'POST', '/meetings', host.token, {
      settings: { access: 'open' },
      title: 'Analytics',
      scheduledStartAt: '2030-01-07T09:00:00Z',
    });
    meetingId = scheduled.body.meetingId as string;
    const path = `/meetings/${meetingId}`;
    for (const [who, what, body] of [
      [host, 'start'],
      [host, 'join'],
      [guest, 'join'],
      [guest, 'chat-messages', { text: 'hello all' }],
      [host, 'chat-messages', { text: 'just for you', recipientId: guest.userId }],
      [guest, 'leave'],
      [host, 'end'],
    ] as [User, string, unknown?][]) {
      const res = await call(base, 'POST', `${path}/${what}`, who.token, body);
      assert.ok(res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    // An AI task's outcome, as the AI worker appends it.
    const pool = createPool(
      { connectionString: system.query.db.url, max: 1 },
      { warn: () => {}, error: () => {} },
    );
    try {
      await new PostgresEventStore(pool).appendToStream(
        streams.aiTask(taskId),
        [
          {
            eventId: randomUUID(),
            type: 'AiTaskCompleted',
            schemaVersion: currentSchemaVersion('AiTaskCompleted'),
            data: {
              taskId,
              meetingId,
              taskType: 'emotion_detection',
              results: [
                {
                  userId: guest.userId,
                  analysisType: 'emotion_detection',
                  result: { label: 'positive', confidence: 0.8 },
                },
                {
                  userId: host.userId,
                  analysisType: 'emotion_detection',
                  result: { label: 'negative', confidence: 0.6 },
                },
                {
                  userId: null,
                  analysisType: 'emotion_detection',
                  result: { label: 'neutral', confidence: 0.5 },
                },
              ],
            },
            metadata: { correlationId: 'e2e', causationId: null, actorUserId: null, idempotencyKey: null },
            occurredAt: new Date(),
          },
        ],
        'any',
      );
    } finally {
      await pool.end();
    }
  });

  after(async () => {
    await fx?.close();
    await system?.stop();
    await mongo?.stop();
  });

  test('the host sees the meeting’s analytics once projected: participants, peak, timeline, chat count', async () => {
    const res = await until(
      'the projection',
      async () => {
        const r = await get(`/meetings/${meetingId}/analytics`, host.token);
        return r.status === 200 && r.body.endedAt !== null ? r : undefined;
      },
      15_000,
    );
    const a = res.body;
    assert.equal(a.meetingId, meetingId);
    assert.equal(a.participantCount, 2);
    assert.equal(a.peakConcurrency, 2);
    assert.equal(a.currentParticipants, 0);
    assert.equal(a.chatCount, 2, 'the private message is counted');
    assert.deepEqual(
      a.participants.map((p: { userId: string }) => p.userId),
      [host.userId, guest.userId],
    );
    assert.deepEqual(
      a.timeline.map(
        (t: { userId: string; action: string }) =>
          `${t.userId === host.userId ? 'host' : 'guest'} ${t.action}`,
      ),
      ['host joined', 'guest joined', 'guest left', 'host left'],
    );
    assert.equal(a.day, a.startedAt.slice(0, 10));
    assert.ok(a.participantMinutes >= 0 && a.participantMinutes < 5, String(a.participantMinutes));
    for (const p of a.participants) assert.equal(p.present, false);
  });

  test('AI results: hosts read all, a participant the meeting-wide ones and their own; filtered by analysis', async () => {
    const res = await until(
      'the projection',
      async () => {
        const r = await get(`/meetings/${meetingId}/ai-results`, guest.token);
        return r.status === 200 && r.body.items.length > 0 ? r : undefined;
      },
      15_000,
    );
    assert.deepEqual(
      res.body.items.map((i: { userId: string | null }) => i.userId),
      [guest.userId, null],
      'not the host’s result',
    );
    const all = await get(`/meetings/${meetingId}/ai-results`, host.token);
    assert.deepEqual(
      all.body.items.map((i: { userId: string | null }) => i.userId),
      [guest.userId, host.userId, null],
    );
    const [item] = res.body.items;
    assert.equal(item.taskId, taskId);
    assert.equal(item.userId, guest.userId);
    assert.equal(item.analysisType, 'emotion_detection');
    assert.deepEqual(item.result, { label: 'positive', confidence: 0.8 });
    assert.match(item.participantId, /^[0-9a-f-]{36}$/);
    const none = await get(`/meetings/${meetingId}/ai-results?analysisType=speaking_time`, guest.token);
    assert.deepEqual(none.body, { items: [] });
  });

  test('who may see: an outsider gets 404 as for a missing meeting, an admin sees it, no token is 401', async () => {
    for (const path of [`/meetings/${meetingId}/analytics`, `/meetings/${meetingId}/ai-results`]) {
      assertProblem(await get(path, outsider.token), 404, 'not-found', 'meeting-not-found');
      assert.equal((await get(path, admin.token)).status, 200);
      assertProblem(await get(path), 401, 'unauthenticated');
    }
    assertProblem(
      await get(`/meetings/${randomUUID()}/analytics`, host.token),
      404,
      'not-found',
      'meeting-not-found',
    );
  });

  test('daily rollups: admins only, a validated and bounded range of days', async () => {
    const day = (await get(`/meetings/${meetingId}/analytics`, host.token)).body.day as string;
    const res = await until(
      'the projection',
      async () => {
        const r = await get(`/analytics/daily?from=${day}&to=${day}`, admin.token);
        return r.status === 200 && r.body.items.length === 1 ? r : undefined;
      },
      15_000,
    );
    const [rollup] = res.body.items;
    assert.equal(rollup.day, day);
    assert.equal(rollup.meetings, 1);
    assert.equal(rollup.participants, 2);
    assert.equal(rollup.chatMessages, 2);
    assert.equal(rollup.peakConcurrency, 2);
    assert.equal((await get('/analytics/daily', admin.token)).status, 200);
    assert.deepEqual((await get('/analytics/daily?from=2001-01-01&to=2001-01-31', admin.token)).body, {
      items: [],
    });
    assertProblem(await get('/analytics/daily', host.token), 403, 'forbidden', 'admin-only');
    for (const [query, parameter] of [
      ['from=2026-02-30', 'query.from'],
      ['from=2026-1-01', 'query.from'],
      ['to=yesterday', 'query.to'],
      ['from=2026-12-02&to=2026-12-01', 'query.to'],
      ['from=2025-01-01&to=2026-12-01', 'query.to'],
      ['from=2026-01-01&from=2026-01-02', 'query.from'],
      ['days=3', 'query'],
    ]) {
      assertBadParameter(await get(`/analytics/daily?${query}`, admin.token), parameter!);
    }
    assertBadParameter(
      await get(`/meetings/${meetingId}/ai-results?analysisType=Bad%20Type`, host.token),
      'query.analysisType',
    );
    assertBadParameter(await get(`/meetings/${meetingId}/ai-results?limit=0`, host.token), 'query.limit');
    assertBadParameter(await get('/meetings/nope/analytics', host.token), 'params.meetingId');
  });
});
