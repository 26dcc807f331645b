import { randomUUID } from 'node:crypto';
import { CommandHandler } from '@meetings/command-service/commands';
import { aiTaskDecider, meetingDecider } from '@meetings/command-service/domain';
import type { PostgresEventStore } from '@meetings/db';
import { createProjections, createRunners } from '@meetings/projection-workers';
import { createUpcasterRegistry, currentSchemaVersion, parseEvent, streams } from '@meetings/events';
import type { AiTaskType, DomainEvent, EventType } from '@meetings/events';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { ConfigSchema } from '../config.js';
import type { Config } from '../config.js';

export const silent: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** The worker's settings for a test database: short pauses, a short lease. */
export const testConfig = (databaseUrl: string, overrides: Record<string, string> = {}): Config =>
  ConfigSchema.parse({
    DATABASE_URL: databaseUrl,
    DB_POOL_SIZE: '3',
    AI_TASK_MAX_ATTEMPTS: '3',
    AI_TASK_RETRY_BASE_MS: '5',
    AI_TASK_RETRY_MAX_MS: '20',
    AI_TASK_LEASE_MS: '1500',
    AI_TASK_POLL_INTERVAL_MS: '20',
    METRICS_PORT: '0',
    ...overrides,
  });

/**
 * The real `ai-tasks` projection (runner, event store source, PostgreSQL target) over the test
 * database, so ai_tasks rows come from the log as in production. Its Redis client never connects:
 * only the PostgreSQL projection runs.
 */
export function runAiTasksProjection(pool: pg.Pool): () => Promise<void> {
  const redis = new Redis({ lazyConnect: true });
  const deps = {
    pool,
    redis,
    redisKeyPrefix: '',
    logger: silent,
    batchSize: 100,
    pollIntervalMs: 10,
    maxAttempts: 3,
    notifyMaxAgeSeconds: 60,
  };
  const projections = createProjections(deps).filter((p) => p.projector.name === 'ai-tasks');
  const controller = new AbortController();
  const runs = createRunners(deps, projections).map((r) => r.run(controller.signal));
  return async () => {
    controller.abort();
    await Promise.allSettled(runs);
    redis.disconnect();
  };
}

/** Appends events as their writers (command-service, the SFU) would, at the given times. */
export async function appendAs(
  store: PostgresEventStore,
  streamId: string,
  events: readonly { type: EventType; data: unknown; at: string }[],
): Promise<void> {
  await store.appendToStream(
    streamId,
    events.map((e) => {
      const valid: DomainEvent = parseEvent(e.type, e.data);
      return {
        eventId: randomUUID(),
        type: valid.type,
        schemaVersion: currentSchemaVersion(valid.type),
        data: valid.data,
        metadata: { correlationId: 'fixture', causationId: null, actorUserId: null, idempotencyKey: null },
        occurredAt: new Date(e.at),
      };
    }),
    'any',
  );
}

/** A meeting of `hostId` that started and ended, with `more` events between. */
export async function meetingFixture(
  store: PostgresEventStore,
  hostId: string,
  more: (meetingId: string) => { type: EventType; data: unknown; at: string }[] = () => [],
): Promise<string> {
  const meetingId = randomUUID();
  await appendAs(store, streams.meeting(meetingId), [
    {
      type: 'MeetingScheduled',
      data: {
        meetingId,
        hostId,
        title: 'AI fixture',
        description: null,
        scheduledStartAt: '2026-03-02T09:00:00.000Z',
        scheduledEndAt: null,
        maxParticipants: 10,
        settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
        passcodeVersion: null,
      },
      at: '2026-03-02T08:00:00.000Z',
    },
    { type: 'MeetingStarted', data: { meetingId, startedBy: hostId }, at: '2026-03-02T09:00:00.000Z' },
    ...more(meetingId),
    { type: 'MeetingEnded', data: { meetingId, endedBy: hostId }, at: '2026-03-02T10:00:00.000Z' },
  ]);
  return meetingId;
}

/** Requests a task as the command-service does: the meeting's state through the task's decider. */
export async function requestTask(
  store: PostgresEventStore,
  meetingId: string,
  hostId: string,
  taskType: AiTaskType,
  priority = 5,
): Promise<string> {
  const commands = new CommandHandler(store, createUpcasterRegistry(), { maxAttempts: 3, cacheSize: 0 });
  const taskId = randomUUID();
  const meeting = await commands.load(meetingDecider, streams.meeting(meetingId));
  const now = new Date();
  await commands.handle(
    aiTaskDecider,
    streams.aiTask(taskId),
    {
      type: 'RequestAiTask',
      data: {
        taskId,
        meetingId,
        taskType,
        priority,
        recordingId: null,
        actorRole: 'user',
        meeting: meeting.state,
      },
      actorId: hostId,
      now,
    },
    { actorUserId: hostId, correlationId: 'test', commandId: randomUUID(), idempotencyKey: null, now },
  );
  return taskId;
}

/** The types of a task's events, in order. */
export async function taskEvents(store: PostgresEventStore, taskId: string) {
  return (await store.readStream(streams.aiTask(taskId))).map((e) => ({
    type: e.type,
    data: e.data as Record<string, unknown>,
  }));
}

/** Polls the ai_tasks row until `done` holds for it (the projection lags the log a little). */
export async function waitForRow(
  pool: pg.Pool,
  taskId: string,
  done: (row: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<Record<string, unknown>>('SELECT * FROM ai_tasks WHERE task_id = $1', [
      taskId,
    ]);
    if (rows[0] && done(rows[0])) return rows[0];
    if (Date.now() > deadline)
      throw new Error(`task ${taskId} not done in time: ${JSON.stringify(rows[0] ?? null)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
