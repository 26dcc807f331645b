import { randomUUID } from 'node:crypto';
import type { CommandHandler } from '@meetings/command-service/commands';
import { aiTaskDecider, DomainError } from '@meetings/command-service/domain';
import type { AiTaskCommand, AiTaskState } from '@meetings/command-service/domain';
import { AiResult, streams } from '@meetings/events';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Analysis, MeetingHistory } from '../ports/analysis.js';
import type { Outcome } from '../ports/task-queue.js';

export interface TaskRunnerOptions {
  commands: CommandHandler;
  analyses: readonly Analysis[];
  history: MeetingHistory;
  workerId: string;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}

const ERROR_MAX_CHARS = 2000;
const Results = z.array(AiResult).max(10_000);

/** Another writer moved the stream since this worker read it: it, not we, owns the task now. */
const isTakenOver = (error: unknown) => error instanceof Error && error.name === 'PreconditionFailed';

const messageOf = (error: unknown) =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, ERROR_MAX_CHARS);

/**
 * Runs one delivered task to its outcome, appending to `aitask-<taskId>` through the command
 * handler and the task's decider, with the service identity `ai-worker:<workerId>`. Each append
 * names the version this worker last saw, so of two workers holding the same task (a redelivery,
 * a lease that expired) only one records anything; the other stops. A task already completed or
 * failed appends nothing, which makes at-least-once delivery exactly-once in effect.
 *
 * Attempts run here one after another with a doubling pause; an attempt whose worker died is
 * counted by the next start (the decider records it as abandoned). After maxAttempts the message
 * goes to the dead letters first (`deadLetter`), then AiTaskFailed is appended: a crash between
 * the two redelivers the task, which dead-letters it again rather than losing it.
 */
export class TaskRunner {
  private readonly byType: Map<string, Analysis>;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: TaskRunnerOptions) {
    this.byType = new Map(o.analyses.map((a) => [a.type, a]));
    this.sleep = o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async process(taskId: string, deadLetter: (error: string) => Promise<void>): Promise<Outcome> {
    const log = this.o.logger.child({ taskId });
    try {
      for (;;) {
        const { state, version } = await this.o.commands.load(aiTaskDecider, streams.aiTask(taskId));
        if (state.status === 'none') return 'missing';
        if (state.status === 'completed' || state.status === 'failed') return 'settled';
        if (state.attempts >= this.o.maxAttempts) {
          await deadLetter(state.lastError ?? 'attempts exhausted');
          await this.append(taskId, version, { type: 'GiveUpAiTask', data: { taskId } });
          log.warn({ attempts: state.attempts }, 'AI task failed: dead-lettered');
          return 'failed';
        }
        const started = await this.append(taskId, version, {
          type: 'StartAiTask',
          data: { taskId, workerId: this.o.workerId },
        });
        const attempt = state.attempts + 1;
        const error = await this.attempt(state, attempt, started);
        if (error === null) return 'completed';
        // The attempt failed; the state read at the top of the loop decides whether to try again.
        await this.append(taskId, started, { type: 'FailAiTaskAttempt', data: { taskId, attempt, error } });
        log.warn({ attempt, error }, 'AI task attempt failed');
        if (attempt < this.o.maxAttempts) {
          await this.sleep(Math.min(this.o.retryBaseMs * 2 ** (attempt - 1), this.o.retryMaxMs));
        }
      }
    } catch (error) {
      if (isTakenOver(error)) return 'taken';
      // A rule refusing a worker's command: the task moved on (finished) under another worker.
      if (error instanceof DomainError) return 'settled';
      throw error;
    }
  }

  /** Runs the analysis and records its results; null on success, else the attempt's error. */
  private async attempt(
    state: Exclude<AiTaskState, { status: 'none' }>,
    attempt: number,
    startedVersion: number,
  ): Promise<string | null> {
    const { taskId, meetingId, taskType, recordingId } = state;
    let results: AiResult[];
    try {
      const analysis = this.byType.get(taskType);
      if (!analysis) throw new Error(`no analysis for task type ${taskType} in this worker`);
      results = Results.parse(
        await analysis.run({ taskId, meetingId, taskType, recordingId }, { history: this.o.history }),
      );
    } catch (error) {
      return messageOf(error);
    }
    // Under the version of our own start: if anyone appended since, this completion is refused.
    await this.append(taskId, startedVersion, { type: 'CompleteAiTask', data: { taskId, attempt, results } });
    this.o.logger.info({ taskId, taskType, attempt, results: results.length }, 'AI task completed');
    return null;
  }

  /** Appends under `expectedVersion`; resolves with the stream's version after. */
  private async append(
    taskId: string,
    expectedVersion: number,
    command: Omit<AiTaskCommand, 'actorId' | 'now'>,
  ): Promise<number> {
    const now = new Date();
    const outcome = await this.o.commands.handle(
      aiTaskDecider,
      streams.aiTask(taskId),
      { ...command, actorId: `ai-worker:${this.o.workerId}`, now } as AiTaskCommand,
      // actorUserId is a user's uuid: the worker is named where a writer is traced (correlation).
      {
        actorUserId: null,
        correlationId: `ai-worker:${this.o.workerId}`,
        commandId: randomUUID(),
        idempotencyKey: null,
        now,
      },
      { expectedVersion },
    );
    return outcome.version;
  }
}
