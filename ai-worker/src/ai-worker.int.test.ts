import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { CommandHandler } from '@meetings/command-service/commands';
import { metricValue, scrape } from '@meetings/command-service/testing';
import { PostgresEventStore } from '@meetings/db';
import { useTestDatabase } from '@meetings/db/testing';
import { createUpcasterRegistry, streams } from '@meetings/events';
import { EventStoreHistory } from './adapters/postgres/event-store-history.js';
import { PostgresTaskQueue } from './adapters/postgres/postgres-task-queue.js';
import { defaultAnalyses } from './analyses/index.js';
import { TaskRunner } from './application/task-runner.js';
import { startAiWorker } from './service.js';
import {
  appendAs,
  meetingFixture,
  requestTask,
  runAiTasksProjection,
  silent,
  taskEvents,
  testConfig,
  waitForRow,
} from './testing/harness.js';

// Local queue (PostgreSQL `ai_tasks`) tests against the real server: one database for the file,
// the real ai-tasks projection running beside the workers.
let stopProjection: (() => Promise<void>) | undefined;
// Registered before the database's own hook: the projection stops before its pool ends.
after(() => stopProjection?.());
const database = useTestDatabase();
let eventStore: PostgresEventStore | undefined;
const HOST = randomUUID();
const [ALICE, BOB] = [randomUUID(), randomUUID()].sort() as [string, string];

// The database hook's `before` has run by the first test: start the projection then.
const storeOf = () => {
  eventStore ??= new PostgresEventStore(database.pool);
  stopProjection ??= runAiTasksProjection(database.pool);
  return eventStore;
};

const settled = (row: Record<string, unknown>) => row.status === 'completed' || row.status === 'failed';

/** Runs one in-process worker until `work` resolves. */
async function withWorker<T>(
  work: () => Promise<T>,
  overrides: Parameters<typeof startAiWorker>[2] = { workerId: 'w1' },
) {
  const worker = await startAiWorker(testConfig(database.db.url), silent, overrides);
  try {
    return await work();
  } finally {
    await worker.stop();
  }
}

test('speaking_time: per-participant totals and shares from the SFU samples', async () => {
  const store = storeOf();
  const meetingId = await meetingFixture(store, HOST);
  const sample = (userId: string, speakingMs: number, at: string) => ({
    type: 'ParticipantSpeakingSampled' as const,
    data: { meetingId, userId, producerId: `mic-${userId}`, sampledAt: at, windowMs: 5000, speakingMs },
    at,
  });
  await appendAs(store, streams.media(meetingId), [
    sample(ALICE, 1500, '2026-03-02T09:01:00.000Z'),
    sample(BOB, 1000, '2026-03-02T09:01:00.000Z'),
    sample(ALICE, 2500, '2026-03-02T09:01:05.000Z'),
  ]);
  const taskId = await requestTask(store, meetingId, HOST, 'speaking_time');
  const row = await withWorker(() => waitForRow(database.pool, taskId, settled));
  const results = [
    { userId: ALICE, analysisType: 'speaking_time', result: { speakingMs: 4000, share: 0.8, samples: 2 } },
    { userId: BOB, analysisType: 'speaking_time', result: { speakingMs: 1000, share: 0.2, samples: 1 } },
    { userId: null, analysisType: 'speaking_time', result: { totalSpeakingMs: 5000, participants: 2 } },
  ];
  assert.equal(row.status, 'completed');
  assert.equal(row.attempts, 1);
  assert.deepEqual(row.output, { results });
  assert.ok(row.settled_at instanceof Date, 'acknowledged: out of the queue');
  const events = await taskEvents(store, taskId);
  assert.deepEqual(
    events.map((e) => e.type),
    ['AiTaskRequested', 'AiTaskStarted', 'AiTaskCompleted'],
  );
  assert.deepEqual(events[2]!.data.results, results);
  const [started] = await store.readStream(streams.aiTask(taskId), { from: 2 });
  assert.equal(started!.metadata.correlationId, 'ai-worker:w1', 'appended with the service identity');
});

test('emotion_detection: public chat sentiment per participant; private messages are never read', async () => {
  const store = storeOf();
  const chat = (
    meetingId: string,
    senderId: string,
    text: string,
    at: string,
    recipientId: string | null = null,
  ) => ({
    type: 'ChatMessageSent' as const,
    data: { meetingId, messageId: randomUUID(), senderId, recipientId, text },
    at,
  });
  const meetingId = await meetingFixture(store, HOST, (id) => [
    chat(id, ALICE, 'I love this, great work!', '2026-03-02T09:10:00.000Z'),
    chat(id, ALICE, 'Let us meet at 10', '2026-03-02T09:20:00.000Z'),
    chat(id, BOB, 'This is terrible and I hate it', '2026-03-02T09:30:00.000Z'),
    chat(id, BOB, 'I love you, wonderful, amazing', '2026-03-02T09:40:00.000Z', ALICE),
  ]);
  const taskId = await requestTask(store, meetingId, HOST, 'emotion_detection', 9);
  const row = await withWorker(() => waitForRow(database.pool, taskId, settled));
  const at = (iso: string) => Date.parse(iso) / 1000;
  assert.equal(row.status, 'completed');
  assert.deepEqual(row.output, {
    results: [
      {
        userId: ALICE,
        analysisType: 'emotion_detection',
        result: {
          emotion: 'positive',
          confidence: 0.5,
          score: 6,
          messages: 2,
          timestamp: at('2026-03-02T09:20:00Z'),
        },
      },
      {
        userId: BOB,
        analysisType: 'emotion_detection',
        result: {
          emotion: 'negative',
          confidence: 1,
          score: -6,
          messages: 1,
          timestamp: at('2026-03-02T09:30:00Z'),
        },
      },
      {
        userId: null,
        analysisType: 'emotion_detection',
        result: {
          emotion: 'neutral',
          confidence: 0.3333,
          score: 0,
          messages: 3,
          timestamp: at('2026-03-02T09:30:00Z'),
        },
      },
    ],
  });
});

test('the local queue hands out the highest priority first, each task to one claim', async () => {
  const store = storeOf();
  const meetingId = await meetingFixture(store, HOST);
  const queue = new PostgresTaskQueue(database.pool, 60_000);
  const low = await requestTask(store, meetingId, HOST, 'speaking_time', 2);
  const high = await requestTask(store, meetingId, HOST, 'speaking_time', 7);
  for (const id of [low, high]) await waitForRow(database.pool, id, () => true);
  // Requested in the opposite order, handed out by priority.
  assert.equal((await queue.claim('a'))?.taskId, high);
  assert.equal((await queue.claim('a'))?.taskId, low);
  assert.equal(await queue.claim('a'), null, 'leased tasks are not handed out twice');
  await Promise.all([queue.release(low, 'a'), queue.release(high, 'a')]);

  // Concurrent claims (SKIP LOCKED) share the tasks out: each to exactly one of them.
  const claims = await Promise.all(['b', 'c', 'd'].map((w) => queue.claim(w)));
  const ids = claims.flatMap((c) => (c ? [c.taskId] : []));
  assert.deepEqual(ids.sort(), [low, high].sort());
  for (const id of [low, high]) await queue.ack(id);
  assert.equal(await queue.claim('e'), null, 'acknowledged tasks leave the queue');
});

test('a failing analysis is retried up to AI_TASK_MAX_ATTEMPTS, then dead-lettered and failed', async () => {
  const store = storeOf();
  const meetingId = await meetingFixture(store, HOST);
  const taskId = await requestTask(store, meetingId, HOST, 'speaking_time');
  let runs = 0;
  const failing = {
    type: 'speaking_time' as const,
    run: () => {
      runs++;
      return Promise.reject(new Error(`model unavailable (${runs})`));
    },
  };
  const row = await withWorker(() => waitForRow(database.pool, taskId, settled), {
    workerId: 'w2',
    analyses: [failing],
  });
  assert.equal(runs, 3);
  assert.equal(row.status, 'failed');
  assert.equal(row.attempts, 3);
  assert.equal(row.error, 'Error: model unavailable (3)');
  assert.ok(row.dead_lettered_at instanceof Date, 'on the dead list');
  const dead = await new PostgresTaskQueue(database.pool, 1000).deadList();
  assert.deepEqual(
    dead.map((m) => m.taskId),
    [taskId],
  );
  assert.deepEqual(
    (await taskEvents(store, taskId)).map((e) => e.type),
    [
      'AiTaskRequested',
      ...['AiTaskStarted', 'AiTaskAttemptFailed', 'AiTaskStarted', 'AiTaskAttemptFailed'],
      ...['AiTaskStarted', 'AiTaskAttemptFailed', 'AiTaskFailed'],
    ],
  );
});

test('a message redelivered after completion appends nothing', async () => {
  const store = storeOf();
  const meetingId = await meetingFixture(store, HOST);
  const taskId = await requestTask(store, meetingId, HOST, 'speaking_time');
  await withWorker(() => waitForRow(database.pool, taskId, settled));
  const before = await taskEvents(store, taskId);
  const upcasters = createUpcasterRegistry();
  const runner = new TaskRunner({
    commands: new CommandHandler(store, upcasters, { maxAttempts: 3 }),
    analyses: defaultAnalyses(),
    history: new EventStoreHistory(store, upcasters),
    workerId: 'redelivered',
    maxAttempts: 3,
    retryBaseMs: 1,
    retryMaxMs: 1,
    logger: silent,
  });
  let deadLettered = 0;
  const outcome = await runner.process(taskId, () => Promise.resolve(void deadLettered++));
  assert.equal(outcome, 'settled');
  assert.equal(deadLettered, 0);
  assert.deepEqual(await taskEvents(store, taskId), before);
});

test('a worker killed mid-task: its lease runs out and another worker retries the task', async () => {
  const store = storeOf();
  const meetingId = await meetingFixture(store, HOST);
  const taskId = await requestTask(store, meetingId, HOST, 'speaking_time');
  await waitForRow(database.pool, taskId, () => true);
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      fileURLToPath(new URL('./testing/hanging-worker.ts', import.meta.url)),
    ],
    {
      env: {
        ...process.env,
        DATABASE_URL: database.db.url,
        AI_TASK_LEASE_MS: '900',
        AI_TASK_POLL_INTERVAL_MS: '20',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const running = await waitForRow(database.pool, taskId, (r) => r.status === 'running');
    assert.match(String(running.worker_id), /^hanging-/);
  } finally {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
  const row = await withWorker(() => waitForRow(database.pool, taskId, settled), { workerId: 'w3' });
  assert.equal(row.status, 'completed');
  assert.equal(row.attempts, 2);
  assert.equal(row.worker_id, 'w3');
  const events = await taskEvents(store, taskId);
  assert.deepEqual(
    events.map((e) => e.type),
    ['AiTaskRequested', 'AiTaskStarted', 'AiTaskAttemptFailed', 'AiTaskStarted', 'AiTaskCompleted'],
  );
  assert.equal(events[2]!.data.error, 'The worker stopped before the attempt finished.');
});

test('GET /metrics counts the outcomes, the tasks by status and the appends', async () => {
  const store = storeOf();
  const meetingId = await meetingFixture(store, HOST);
  const taskId = await requestTask(store, meetingId, HOST, 'speaking_time');
  const worker = await startAiWorker(testConfig(database.db.url), silent, { workerId: 'w-metrics' });
  try {
    const row = await waitForRow(database.pool, taskId, settled);
    assert.equal(row.status, 'completed');
    const baseUrl = `http://127.0.0.1:${worker.metricsPort}`;
    const text = await scrape(baseUrl);
    assert.equal(
      metricValue(text, 'ai_task_outcomes_total', { outcome: 'completed', service: 'ai-worker' }),
      1,
    );
    assert.ok(metricValue(text, 'ai_tasks', { status: 'completed' }) >= 1);
    assert.ok(metricValue(text, 'event_store_append_duration_seconds_count', { outcome: 'ok' }) >= 2);
    assert.ok(!text.includes(taskId) && !text.includes(HOST), 'no ids in labels');
    assert.equal((await fetch(`${baseUrl}/health/ready`)).status, 200);
  } finally {
    await worker.stop();
  }
});
