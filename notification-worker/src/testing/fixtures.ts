import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NOTIFICATION_QUEUE_KEY } from '@meetings/events';
import type pg from 'pg';
import { MAIL_DOMAIN } from './private-smtpd.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const newPrefix = () => `test:${randomBytes(6).toString('hex')}:`;

export interface TestUser {
  id: string;
  /** The mailbox name at the private server: the address is `<mailbox>@test.example`. */
  mailbox: string;
  email: string;
}

/**
 * A row of the `users` read table, as the users projection leaves it. Every NOT NULL text column
 * without a default is filled (the email with the address, the others with the user name), so
 * renamed name columns need no change here.
 */
export async function addUser(
  pool: pg.Pool,
  options: { status?: 'active' | 'disabled'; deleted?: boolean; domain?: string } = {},
): Promise<TestUser> {
  const id = randomUUID();
  const mailbox = `u${id.slice(0, 8)}`;
  const email = `${mailbox}@${options.domain ?? MAIL_DOMAIN}`;
  const { rows } = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_name = 'users' AND is_nullable = 'NO' AND column_default IS NULL AND data_type = 'text'`,
  );
  const values: Record<string, unknown> = { id, status: options.status ?? 'active' };
  for (const { column_name: name } of rows) values[name] = name === 'email' ? email : mailbox;
  if (options.deleted) values.deleted_at = new Date();
  const names = Object.keys(values);
  await pool.query(
    `INSERT INTO users (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(values),
  );
  return { id, mailbox, email };
}

/** A job as the room-cache projection queues it. */
export function emailJob(userId: string, subject = `Subject ${randomUUID()}`) {
  return {
    jobId: `${randomUUID()}:${userId}`,
    type: 'email' as const,
    to: { userId },
    kind: 'meeting.invited' as const,
    meetingId: randomUUID(),
    createdAt: new Date().toISOString(),
    subject,
    message: 'You have been invited.',
  };
}

export { NOTIFICATION_QUEUE_KEY };

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it logged so far (pino JSON lines). */
  output(): string;
  /** Resolves once a log line contains `text`. */
  logged(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<void>;
}

/** The worker as `npm start` runs it (from source), with these settings on top of the tests'. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    env: { ...process.env, LOG_LEVEL: 'info', REDIS_URL, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => text,
    exited,
    async logged(wanted, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!text.includes(wanted)) {
        if (child.exitCode !== null) throw new Error(`worker exited (${child.exitCode}):\n${text}`);
        if (Date.now() > until)
          throw new Error(`worker did not log ${wanted} within ${timeoutMs} ms:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
