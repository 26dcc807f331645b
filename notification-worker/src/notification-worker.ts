import { InvalidNotificationJobError, parseNotificationJob } from '@meetings/events';
import type { EmailJob, NotificationJob } from '@meetings/events';
import type { Logger } from 'pino';
import { MailerError } from './ports/mailer.js';
import type { Mailer } from './ports/mailer.js';
import type { RecipientDirectory } from './ports/recipient-directory.js';
import type { RedisJobQueue } from './queue/redis-job-queue.js';

export interface NotificationWorkerOptions {
  queue: RedisJobQueue;
  directory: RecipientDirectory;
  /** null: no SMTP configured, email jobs are logged and acknowledged. */
  mailer: Mailer | null;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  heartbeatTtlMs: number;
  now?: () => number;
  /** Told what became of each job taken (the worker's /metrics). */
  onOutcome?: (outcome: JobOutcome) => void;
}

/** What became of a job: sent, retried later, buried, logged (no gateway), dropped (no recipient), invalid. */
export type JobOutcome = 'sent' | 'retry' | 'dead' | 'logged' | 'dropped' | 'invalid';

/** How long a take blocks: the longest a stop waits for the loop to notice. */
const TAKE_TIMEOUT_SECONDS = 1;
/** Pause after the queue itself failed (Redis or PostgreSQL unreachable) before trying again. */
const FAILURE_PAUSE_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Drains `queue:notifications` one job at a time (see RedisJobQueue for what survives a crash).
 * An email job is sent to the address its user id has now; a failed send is retried after a
 * pause doubling from retryBaseMs, and after maxAttempts sends, or at once when the server refused
 * it for good, the job goes to the dead list. SMS jobs are logged and acknowledged: there is no
 * SMS gateway. Entries that are no job go to the dead list.
 */
export class NotificationWorker {
  private running: Promise<void> | null = null;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly o: NotificationWorkerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Registers the worker, takes back dead workers' jobs, and starts consuming. */
  async start(): Promise<void> {
    await this.o.queue.heartbeat();
    await this.housekeeping();
    // Three beats per TTL: one lost to a slow Redis does not make the worker look dead.
    this.timer = setInterval(() => void this.housekeeping(), Math.floor(this.o.heartbeatTtlMs / 3));
    this.running = this.loop();
  }

  /** Finishes the job in hand, then leaves (its heartbeat and worker entry removed). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.o.queue.deregister();
  }

  private async housekeeping(): Promise<void> {
    try {
      await this.o.queue.heartbeat();
      const recovered = await this.o.queue.recoverDeadWorkers();
      if (recovered > 0) this.o.logger.warn({ recovered }, "took back a dead worker's jobs");
      await this.o.queue.promoteDue(this.now());
    } catch (error) {
      this.o.logger.warn({ err: error }, 'notification queue housekeeping failed');
    }
  }

  private async loop(): Promise<void> {
    let failed = false;
    while (!this.stopping) {
      try {
        // A failure may have left a job in this worker's processing list: put it back first.
        if (failed) await this.o.queue.requeueOwn();
        failed = false;
        const raw = await this.o.queue.take(TAKE_TIMEOUT_SECONDS);
        // Idle: retries due are served within a take's timeout, not only at the next beat.
        if (raw === null) await this.o.queue.promoteDue(this.now());
        else await this.handle(raw);
      } catch (error) {
        failed = true;
        this.o.logger.error({ err: error }, 'notification queue failed; retrying');
        await sleep(FAILURE_PAUSE_MS);
      }
    }
  }

  private async handle(raw: string): Promise<void> {
    let job: NotificationJob;
    try {
      job = parseNotificationJob(raw);
    } catch (error) {
      if (!(error instanceof InvalidNotificationJobError)) throw error;
      this.o.logger.error({ reason: error.message }, 'not a notification job; moved to the dead list');
      await this.o.queue.bury(raw, JSON.stringify({ entry: raw, failure: `invalid: ${error.message}` }));
      this.o.onOutcome?.('invalid');
      return;
    }
    const about = { jobId: job.jobId, kind: job.kind, userId: job.to.userId, meetingId: job.meetingId };
    if (job.type === 'sms') {
      this.o.logger.info({ ...about, text: job.message }, 'sms job logged: no SMS gateway');
      await this.o.queue.ack(raw);
      return this.o.onOutcome?.('logged');
    }
    if (!this.o.mailer) {
      this.o.logger.info({ ...about, subject: job.subject }, 'email job logged: no SMTP configured');
      await this.o.queue.ack(raw);
      return this.o.onOutcome?.('logged');
    }
    const to = await this.o.directory.emailOf(job.to.userId);
    if (to === null) {
      this.o.logger.info(about, 'email job dropped: the user is deleted, disabled or has no email');
      await this.o.queue.ack(raw);
      return this.o.onOutcome?.('dropped');
    }
    const started = this.now();
    try {
      await this.o.mailer.send({ to, subject: job.subject, text: job.message });
    } catch (error) {
      if (!(error instanceof MailerError)) throw error;
      return this.failed(raw, job, error);
    }
    await this.o.queue.ack(raw);
    this.o.onOutcome?.('sent');
    this.o.logger.info({ ...about, sendMs: this.now() - started }, 'email sent');
  }

  private async failed(raw: string, job: EmailJob, error: MailerError): Promise<void> {
    const attempt = job.attempt + 1;
    const about = { jobId: job.jobId, userId: job.to.userId, attempt, failure: error.code };
    // The entry as it came, with the count: fields this worker does not know are kept.
    const next = { ...(JSON.parse(raw) as object), attempt };
    if (error.permanent || attempt >= this.o.maxAttempts) {
      this.o.logger.error(about, 'email not sent; moved to the dead list');
      await this.o.queue.bury(raw, JSON.stringify({ ...next, failure: error.message }));
      this.o.onOutcome?.('dead');
      return;
    }
    const delayMs = Math.min(this.o.retryBaseMs * 2 ** (attempt - 1), this.o.retryMaxMs);
    this.o.logger.warn({ ...about, delayMs }, 'email not sent; will retry');
    await this.o.queue.retryAt(raw, JSON.stringify(next), this.now() + delayMs);
    this.o.onOutcome?.('retry');
  }
}
