import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidNotificationJobError, parseNotificationJob } from './notification-job.js';

const USER = '6f1c1c5e-8a7e-4d7e-9a55-2d6c1c0e1a01';
const MEETING = '0b9a4f5e-3c2d-4b1a-8e7f-6d5c4b3a2f10';
const email = {
  jobId: `ev-1:${USER}`,
  type: 'email',
  to: { userId: USER },
  kind: 'meeting.invited',
  meetingId: MEETING,
  createdAt: '2030-01-01T09:00:00.000Z',
  subject: 'You are invited to a meeting',
  message: 'Hello',
};

test('an email job parses, its attempt count 0 unless the worker set one', () => {
  assert.deepEqual(parseNotificationJob(JSON.stringify(email)), { ...email, attempt: 0 });
  assert.equal(parseNotificationJob(JSON.stringify({ ...email, attempt: 2 })).attempt, 2);
});

test('an sms job needs a message, not a subject', () => {
  const { subject: _, ...sms } = { ...email, type: 'sms' };
  assert.equal(parseNotificationJob(JSON.stringify(sms)).type, 'sms');
  assert.throws(() => parseNotificationJob(JSON.stringify({ ...sms, message: '' })), /message/);
});

test("the seed's address in `to` is refused: a job names a user id", () => {
  assert.throws(
    () => parseNotificationJob(JSON.stringify({ ...email, to: 'user@example.com' })),
    (error: Error) => error instanceof InvalidNotificationJobError && /to/.test(error.message),
  );
  assert.throws(
    () => parseNotificationJob(JSON.stringify({ ...email, to: { userId: 'alice' } })),
    /to\.userId/,
  );
});

test('entries that are no job are refused with the reason', () => {
  assert.throws(() => parseNotificationJob('{"type":'), /not JSON/);
  assert.throws(
    () => parseNotificationJob(JSON.stringify({ ...email, type: 'fax' })),
    InvalidNotificationJobError,
  );
  const { subject: _, ...noSubject } = email;
  assert.throws(() => parseNotificationJob(JSON.stringify(noSubject)), /subject/);
  assert.throws(() => parseNotificationJob(JSON.stringify({ ...email, kind: 'meeting.ended' })), /kind/);
});
