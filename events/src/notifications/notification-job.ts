import { z } from 'zod';
import { Id, IsoDateTime } from '../common.js';

/**
 * The Redis list the room-cache projection fills (LPUSH) and the notification worker drains
 * (from the other end, so oldest first).
 */
export const NOTIFICATION_QUEUE_KEY = 'queue:notifications';

/**
 * A job of `queue:notifications`, in the seed's shape `{type: "email"|"sms", to, subject|message}`
 * except for `to`: the seed has an address there, this has the recipient's user id. Accounts are
 * crypto-shredded on deletion, and nothing in Redis may keep a deleted user's address, so the
 * worker looks the address up (PostgreSQL `users`) when it sends, and a deleted user gets nothing.
 */
const Recipient = z.object({ userId: Id });

/** Why the job was queued; the text is written for it. */
export const NotificationKind = z.enum(['meeting.invited', 'meeting.started']);
export type NotificationKind = z.infer<typeof NotificationKind>;

const common = {
  /** Unique per recipient and cause (`<eventId>:<userId>`): a rebuild queues the same id again. */
  jobId: z.string().min(1),
  to: Recipient,
  kind: NotificationKind,
  meetingId: Id,
  /** The occurredAt of the event that caused it. */
  createdAt: IsoDateTime,
  /** Failed sends so far; the worker sets it when it schedules a retry. */
  attempt: z.number().int().nonnegative().default(0),
};

export const EmailJob = z.object({
  type: z.literal('email'),
  subject: z.string().min(1),
  message: z.string(),
  ...common,
});
export const SmsJob = z.object({ type: z.literal('sms'), message: z.string().min(1), ...common });
export const NotificationJob = z.discriminatedUnion('type', [EmailJob, SmsJob]);
export type NotificationJob = z.infer<typeof NotificationJob>;
export type EmailJob = z.infer<typeof EmailJob>;

export class InvalidNotificationJobError extends Error {
  override readonly name = 'InvalidNotificationJobError';
}

/** The job a queue entry holds; an entry that is not one (bad JSON, wrong shape) throws. */
export function parseNotificationJob(text: string): NotificationJob {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidNotificationJobError('not JSON');
  }
  const result = NotificationJob.safeParse(json);
  if (!result.success) {
    const details = result.error.issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`);
    throw new InvalidNotificationJobError(details.join('; '));
  }
  return result.data;
}
