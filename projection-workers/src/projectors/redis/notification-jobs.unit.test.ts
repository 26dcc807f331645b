import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { parseNotificationJob, streams } from '@meetings/events';
import { EventFactory } from '../../testing/event-factory.js';
import { invitedJob, startedJobTemplate } from './notification-jobs.js';

const factory = new EventFactory(new Date('2030-01-01T09:00:00.000Z'));
const meetingId = randomUUID();
const [host, alice] = [randomUUID(), randomUUID()];

test("an invitation's job is a whole email job for the invitee, naming no one", () => {
  const event = factory.event(streams.meeting(meetingId), 'ParticipantInvited', {
    meetingId,
    userId: alice,
    invitedBy: host,
  });
  const text = invitedJob(event);
  const job = parseNotificationJob(text);
  assert.deepEqual(job, {
    jobId: `${event.eventId}:${alice}`,
    type: 'email',
    to: { userId: alice },
    kind: 'meeting.invited',
    meetingId,
    createdAt: event.occurredAt.toISOString(),
    subject: 'You are invited to a meeting',
    message: job.message,
    attempt: 0,
  });
  assert.match(job.message, new RegExp(meetingId));
  assert.ok(!text.includes('@'), 'no address in the job');
});

test("a start's template becomes a job once the script adds the recipient and its id", () => {
  const event = factory.event(streams.meeting(meetingId), 'MeetingStarted', { meetingId, startedBy: host });
  const template = JSON.parse(startedJobTemplate(event)) as Record<string, unknown>;
  assert.equal(template.jobId, event.eventId);
  assert.throws(() => parseNotificationJob(JSON.stringify(template)), /to/);
  const job = parseNotificationJob(
    JSON.stringify({ ...template, jobId: `${event.eventId}:${alice}`, to: { userId: alice } }),
  );
  assert.equal(job.kind, 'meeting.started');
  assert.equal(job.type === 'email' && job.subject, 'A meeting you are invited to has started');
});
