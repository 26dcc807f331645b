import type { ConsumerConfig, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { TaskRunner } from '../../application/task-runner.js';
import { TaskMessage } from '../../ports/task-queue.js';
import type { Outcome } from '../../ports/task-queue.js';
import { TASKS_DLQ_TOPIC, TASKS_TOPIC } from './topics.js';

export interface KafkaTaskConsumerOptions {
  kafka: Kafka;
  pool: pg.Pool;
  runner: TaskRunner;
  groupId: string;
  logger: Logger;
  /** Session timeout, heartbeat interval… (tests shorten them). */
  consumer?: Omit<ConsumerConfig, 'groupId'>;
  onOutcome?: (taskId: string, outcome: Outcome) => void;
}

/** How often a task being run tells the group coordinator this consumer is alive. */
const HEARTBEAT_EVERY_MS = 1000;

/**
 * Consumes `meeting.tasks` in the consumer group: the offset of a message is committed only after
 * its task was handled (kafkajs commits what `eachMessage` resolved), so a worker that dies
 * mid-task leaves it uncommitted and the group hands it to another worker after the session
 * timeout. A task given up goes to `meeting.tasks.dlq` (the message, with the error and the
 * attempts in headers); a message that is no task goes there at once. The `ai_tasks` row is
 * settled too, so the dispatcher and the local queue leave it alone.
 */
export class KafkaTaskConsumer {
  private readonly producer: Producer;
  private readonly consumer;

  constructor(private readonly o: KafkaTaskConsumerOptions) {
    this.producer = o.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    this.consumer = o.kafka.consumer({ ...o.consumer, groupId: o.groupId });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [TASKS_TOPIC], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async (payload) => {
        const { message } = payload;
        const raw = message.value?.toString('utf8') ?? '';
        let task: TaskMessage;
        try {
          task = TaskMessage.parse(JSON.parse(raw));
        } catch (error) {
          this.o.logger.warn({ err: error, offset: message.offset }, 'not a task message: dead-lettered');
          await this.deadLetter(raw, message.key, 'not a task message');
          return;
        }
        const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
        try {
          const outcome = await this.o.runner.process(task.taskId, async (error) => {
            await this.deadLetter(raw, message.key, error);
            await this.settle(task.taskId, true);
          });
          if (outcome !== 'taken') await this.settle(task.taskId, false);
          this.o.onOutcome?.(task.taskId, outcome);
        } finally {
          clearInterval(beat);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  private async deadLetter(value: string, key: Buffer | null, error: string): Promise<void> {
    await this.producer.send({
      topic: TASKS_DLQ_TOPIC,
      acks: -1,
      messages: [{ key, value, headers: { error: error.slice(0, 2000) } }],
    });
  }

  private async settle(taskId: string, dead: boolean): Promise<void> {
    await this.o.pool.query(
      `UPDATE ai_tasks SET settled_at = coalesce(settled_at, now())${dead ? ', dead_lettered_at = coalesce(dead_lettered_at, now())' : ''}
       WHERE task_id = $1`,
      [taskId],
    );
  }
}
