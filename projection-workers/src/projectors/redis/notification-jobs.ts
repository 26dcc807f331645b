import type { DecodedEvent, EmailJob } from '@meetings/events';

/**
 * The texts of the email jobs the room cache queues. They name no person: a job outlives an
 * account's deletion in Redis, and a deleted user's name must not (crypto-shredding), so the
 * recipient is a user id the worker resolves when it sends, and the meeting is named by its id.
 */

type Invited = Extract<DecodedEvent, { type: 'ParticipantInvited' }>;
type Started = Extract<DecodedEvent, { type: 'MeetingStarted' }>;

/** A job without `to`; `attempt` is the worker's. */
type JobTemplate = Omit<EmailJob, 'to' | 'attempt'>;

/** The invitee's job, whole: `<eventId>:<userId>` names it, as for every other job. */
export function invitedJob(event: Invited): string {
  const { meetingId, userId } = event.data;
  const job: Omit<EmailJob, 'attempt'> = {
    jobId: `${event.eventId}:${userId}`,
    type: 'email',
    to: { userId },
    kind: 'meeting.invited',
    meetingId,
    createdAt: event.occurredAt.toISOString(),
    subject: 'You are invited to a meeting',
    message: `You have been invited to meeting ${meetingId}. Open the meetings app to see when it starts and to join it.`,
  };
  return JSON.stringify(job);
}

/**
 * The job of each invitee not in the room when it starts, less `to` and the `:<userId>` of its
 * jobId: only the script knows who is invited and present, and adds both.
 */
export function startedJobTemplate(event: Started): string {
  const { meetingId } = event.data;
  const job: JobTemplate = {
    jobId: event.eventId,
    type: 'email',
    kind: 'meeting.started',
    meetingId,
    createdAt: event.occurredAt.toISOString(),
    subject: 'A meeting you are invited to has started',
    message: `Meeting ${meetingId} has started. Open the meetings app to join it.`,
  };
  return JSON.stringify(job);
}
