import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { streams } from '@meetings/events';
import { apiClient, assertProblem } from '../testing/http.js';
import type { ApiResponse, Get } from '../testing/http.js';
import { LiveLog } from '../testing/live-log.js';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';

const TIMEOUT_MS = 3000;

let api: QueryApiUnderTest;
let fx: ReadModelFixture;
let log: LiveLog;
let get: Get;
let host: TestViewer, guest: TestViewer, admin: TestViewer;
const meetingId = randomUUID();

before(async () => {
  api = await startQueryApi({ READ_YOUR_WRITES_TIMEOUT_MS: String(TIMEOUT_MS) });
  fx = new ReadModelFixture(api.db.url, api.redisUrl, api.redisPrefix);
  log = new LiveLog(api.db.url, api.redisUrl, api.redisPrefix);
  get = apiClient(api.baseUrl);
  [host, guest, admin] = await Promise.all([
    fx.session(randomUUID()),
    fx.session(randomUUID()),
    fx.session(randomUUID(), 'admin'),
  ]);
});

after(async () => {
  await log?.close();
  await fx?.close();
  await api?.stop();
});

const meeting = streams.meeting(meetingId);

/** Starts a GET and reports whether it has answered yet. */
function pending(path: string, token: string) {
  const started = Date.now();
  let answered = false;
  const response = get(path, token).then((res) => {
    answered = true;
    return { res, elapsed: Date.now() - started };
  });
  return { response, answered: () => answered };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a query with minPosition waits until the projection applied it, then answers with the write', async () => {
  const position = await log.append(meeting, 'MeetingScheduled', {
    meetingId,
    hostId: host.userId,
    title: 'Planning',
    description: null,
    scheduledStartAt: '2030-05-01T10:00:00Z',
    scheduledEndAt: null,
    maxParticipants: 10,
    settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
    passcodeVersion: null,
  });
  assertProblem(await get(`/meetings/${meetingId}`, host.token), 404, 'not-found');
  const waiting = pending(`/meetings/${meetingId}?minPosition=${position}`, host.token);
  await sleep(300);
  assert.equal(waiting.answered(), false, 'still waiting: nothing projects yet');
  log.startWorker();
  const { res, elapsed } = await waiting.response;
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.title, 'Planning');
  assert.ok(elapsed >= 300 && elapsed < TIMEOUT_MS, `answered after ${elapsed} ms`);
  const listed = await get(`/meetings?minPosition=${position}`, host.token);
  assert.deepEqual(
    listed.body.items.map((m: { id: string }) => m.id),
    [meetingId],
  );
});

test('every endpoint waits for the projections it reads', async () => {
  await log.append(meeting, 'ParticipantJoined', {
    meetingId,
    userId: guest.userId,
    role: 'participant',
    isMuted: false,
    isVideoOn: true,
  });
  const messageId = randomUUID();
  const chat = await log.append(meeting, 'ChatMessageSent', {
    meetingId,
    messageId,
    senderId: guest.userId,
    recipientId: null,
    text: 'hi',
  });
  const messages = await get(`/meetings/${meetingId}/chat-messages?minPosition=${chat}`, guest.token);
  assert.equal(messages.status, 200, JSON.stringify(messages.body));
  assert.deepEqual(
    messages.body.items.map((m: { id: string }) => m.id),
    [messageId],
  );
  const logs = await get(`/operation-logs?resourceId=${meetingId}&minPosition=${chat}`, admin.token);
  assert.deepEqual(
    logs.body.items.map((o: { action: string }) => o.action),
    ['MeetingScheduled', 'ParticipantJoined', 'ChatMessageSent'],
  );
  const detail = await get(`/meetings/${meetingId}?minPosition=${chat}`, guest.token);
  // The creator is a participant from scheduling (the seed's rule), listed after those who joined.
  assert.deepEqual(
    detail.body.participants.map((p: { userId: string; joinedAt: string | null }) => [
      p.userId,
      p.joinedAt !== null,
    ]),
    [
      [guest.userId, true],
      [host.userId, false],
    ],
  );
});

test('room endpoints wait for the room-cache projection', async () => {
  await log.stopWorker();
  log.startWorker(['meetings']);
  const started = await log.append(meeting, 'MeetingStarted', { meetingId, startedBy: host.userId });
  const waiting = pending(`/rooms/${meetingId}?minPosition=${started}`, guest.token);
  await sleep(300);
  assert.equal(waiting.answered(), false, 'the meetings table is up to date, the room cache is not');
  await log.stopWorker();
  log.startWorker();
  const { res }: { res: ApiResponse } = await waiting.response;
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, 'live');
  assert.deepEqual(
    res.body.participants.map((p: { userId: string }) => p.userId),
    [guest.userId],
  );
});

test('a projection that does not catch up in time is a 503 with Retry-After', async () => {
  await log.stopWorker();
  const position = await log.append(meeting, 'MeetingUpdated', { meetingId, title: 'Renamed' });
  const started = Date.now();
  const res = await get(`/meetings/${meetingId}?minPosition=${position}`, host.token);
  const elapsed = Date.now() - started;
  const body = assertProblem(res, 503, 'projection-lagging');
  assert.equal(res.headers.get('retry-after'), '1');
  assert.deepEqual(body.projections, ['meetings', 'meeting-access']);
  assert.equal(body.minPosition, position);
  assert.ok(elapsed >= TIMEOUT_MS - 50 && elapsed < TIMEOUT_MS + 1500, `answered after ${elapsed} ms`);
  // Without minPosition the (stale) read model answers at once.
  assert.equal((await get(`/meetings/${meetingId}`, host.token)).body.title, 'Planning');
  log.startWorker();
  const fresh = await get(`/meetings/${meetingId}?minPosition=${position}`, host.token);
  assert.equal(fresh.body.title, 'Renamed');
});
