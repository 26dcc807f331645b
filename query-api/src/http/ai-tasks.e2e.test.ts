import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { until } from '../testing/http.js';
import { call, registerUser, startSystem } from '../testing/system.js';
import type { SystemUnderTest } from '../testing/system.js';

// POST /meetings/:id/ai-tasks (command-service) → ai-worker (local queue) → GET (query-api), as
// processes on one database: the command, its refusals, the worker's outcome and who may read it.
const AI_WORKER = fileURLToPath(new URL('../../../ai-worker/src/main.ts', import.meta.url));

let system: SystemUnderTest;
let aiWorker: ServiceUnderTest;
type User = Awaited<ReturnType<typeof registerUser>>;
let host: User;
let guest: User;
let stranger: User;
let meetingId: string;

const command = (path: string, token?: string, body?: unknown, headers?: Record<string, string>) =>
  call(system.command.baseUrl, 'POST', path, token, body, headers);
const query = (path: string, token?: string) => call(system.query.baseUrl, 'GET', path, token);

before(async () => {
  system = await startSystem();
  aiWorker = await startProcessUnderTest({
    main: AI_WORKER,
    readyMessage: 'ai-worker running',
    shared: { db: system.command.db, redisPrefix: system.command.redisPrefix },
    env: { AI_TASK_POLL_INTERVAL_MS: '20' },
  });
  [host, guest, stranger] = await Promise.all([
    registerUser(system, 'aihost'),
    registerUser(system, 'aiguest'),
    registerUser(system, 'aistranger'),
  ]);
  const scheduled = await command('/meetings', host.token, {
    title: 'AI tasks',
    scheduledStartAt: '2030-01-01T09:00:00.000Z',
    settings: { access: 'open' },
  });
  meetingId = scheduled.body.meetingId;
  assert.equal((await command(`/meetings/${meetingId}/start`, host.token)).status, 200);
  for (const user of [host, guest])
    assert.equal((await command(`/meetings/${meetingId}/join`, user.token)).status, 200);
  const say = (user: User, text: string) =>
    command(`/meetings/${meetingId}/chat-messages`, user.token, { text });
  assert.equal((await say(host, 'Great meeting, I love it')).status, 201);
  assert.equal((await say(guest, 'This is awful')).status, 201);
});
after(async () => {
  await aiWorker?.terminate();
  await system?.stop();
});

test('a host requests emotion_detection; the worker completes it; hosts read every result, a participant only theirs', async () => {
  const key = { 'Idempotency-Key': 'emotions-1' };
  const requested = await command(
    `/meetings/${meetingId}/ai-tasks`,
    host.token,
    { taskType: 'emotion_detection', priority: 7 },
    key,
  );
  assert.equal(requested.status, 201, JSON.stringify(requested.body));
  const { taskId } = requested.body;
  assert.equal(requested.body.streamId, `aitask-${taskId}`);
  const again = await command(
    `/meetings/${meetingId}/ai-tasks`,
    host.token,
    { taskType: 'emotion_detection', priority: 7 },
    key,
  );
  assert.equal(again.body.taskId, taskId, 'the idempotency key names the same task');

  const done = await until('the task completed', async () => {
    const res = await query(`/ai-tasks/${taskId}`, host.token);
    return res.status === 200 && res.body.status === 'completed' ? res : undefined;
  });
  assert.equal(done.body.taskType, 'emotion_detection');
  assert.equal(done.body.priority, 7);
  assert.equal(done.body.requestedBy, host.userId);
  assert.equal(done.body.attempts, 1);
  const byUser = new Map(done.body.results.map((r: any) => [r.userId, r.result.emotion]));
  assert.deepEqual(Object.fromEntries(byUser), {
    [host.userId]: 'positive',
    [guest.userId]: 'negative',
    null: 'positive',
  });

  // A participant who is no host reads the meeting-wide result and their own, not the host's.
  const listed = await query(`/meetings/${meetingId}/ai-tasks`, guest.token);
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.items.map((t: any) => t.taskId),
    [taskId],
  );
  const aboutWhom = (results: any[]) => results.map((r) => r.userId).sort();
  assert.deepEqual(aboutWhom(listed.body.items[0].results), [guest.userId, null].sort());
  const single = await query(`/ai-tasks/${taskId}`, guest.token);
  assert.deepEqual(aboutWhom(single.body.results), [guest.userId, null].sort());
  assert.equal((await query(`/ai-tasks/${taskId}`, stranger.token)).status, 404);
  assert.equal((await query(`/meetings/${meetingId}/ai-tasks`, stranger.token)).status, 404);
});

test('refusals: bad input, not a host, no such recording, a meeting not started; nothing appended', async () => {
  const path = `/meetings/${meetingId}/ai-tasks`;
  const refused = async (status: number, res: Promise<{ status: number; body: any }>, rule?: string) => {
    const r = await res;
    assert.equal(r.status, status, JSON.stringify(r.body));
    if (rule) assert.equal(r.body.rule, rule);
  };
  await refused(400, command(path, host.token, { taskType: 'transcription' }));
  await refused(400, command(path, host.token, { taskType: 'speaking_time', priority: 10 }));
  await refused(400, command(path, host.token, { taskType: 'speaking_time', extra: 1 }));
  await refused(400, command(path, host.token, {}));
  await refused(401, command(path, undefined, { taskType: 'speaking_time' }));
  await refused(403, command(path, guest.token, { taskType: 'speaking_time' }), 'host-only');
  await refused(
    404,
    command(path, host.token, {
      taskType: 'speaking_time',
      recordingId: '00000000-0000-4000-8000-000000000099',
    }),
    'recording-not-found',
  );
  const raw = await fetch(`${system.command.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'text/plain' },
    body: 'speaking_time',
  });
  assert.equal(raw.status, 415);
  const later = await command('/meetings', host.token, {
    title: 'Later',
    scheduledStartAt: '2030-02-01T09:00:00.000Z',
  });
  await refused(
    409,
    command(`/meetings/${later.body.meetingId}/ai-tasks`, host.token, { taskType: 'speaking_time' }),
    'meeting-not-started',
  );
  const listed = await query(path, host.token);
  assert.equal(listed.body.items.length, 1, 'only the task of the first test');
});
