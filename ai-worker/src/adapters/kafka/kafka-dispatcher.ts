import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { TaskMessage } from '../../ports/task-queue.js';
import { TASKS_TOPIC } from './topics.js';

export interface KafkaDispatcherOptions {
  pool: pg.Pool;
  kafka: Kafka;
  batchSize: number;
  pollIntervalMs: number;
  logger: Logger;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Hands pending tasks to `meeting.tasks`, highest priority first, each once: the rows are locked
 * (`FOR UPDATE SKIP LOCKED`, so dispatchers running in several workers split them), sent with
 * every in-sync replica's acknowledgement, then marked `dispatched_at` in the same transaction. A
 * crash between the send and the commit sends a task twice; the worker's second delivery finds it
 * settled or running and appends nothing twice (see TaskRunner). Messages are keyed by task id.
 */
export class KafkaDispatcher {
  private readonly producer: Producer;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly o: KafkaDispatcherOptions) {
    this.producer = o.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.producer.disconnect();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let sent = 0;
      try {
        sent = await this.dispatchOnce();
      } catch (error) {
        this.o.logger.warn({ err: error }, 'AI task dispatch failed');
      }
      if (sent < this.o.batchSize) await sleep(this.o.pollIntervalMs);
    }
  }

  /** One pass; resolves with how many tasks it handed out. */
  async dispatchOnce(): Promise<number> {
    const client = await this.o.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{
        task_id: string;
        meeting_id: string;
        task_type: TaskMessage['taskType'];
        priority: number;
      }>(
        `SELECT task_id, meeting_id, task_type, priority FROM ai_tasks
         WHERE status = 'pending' AND dispatched_at IS NULL AND settled_at IS NULL
         ORDER BY priority DESC, created_at, task_id
         LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.o.batchSize],
      );
      if (rows.length > 0) {
        const messages = rows.map((r) => {
          const message: TaskMessage = {
            taskId: r.task_id,
            meetingId: r.meeting_id,
            taskType: r.task_type,
            priority: r.priority,
          };
          return { key: r.task_id, value: JSON.stringify(message) };
        });
        await this.producer.send({ topic: TASKS_TOPIC, messages, acks: -1 });
        await client.query(
          `UPDATE ai_tasks SET dispatched_at = now(), deliveries = deliveries + 1 WHERE task_id = ANY($1::uuid[])`,
          [rows.map((r) => r.task_id)],
        );
      }
      await client.query('COMMIT');
      if (rows.length > 0) this.o.logger.info({ tasks: rows.length }, 'AI tasks dispatched');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
