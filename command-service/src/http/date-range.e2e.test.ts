import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertValidation, EventLog, meetingBody, newUser, scheduleMeeting } from '../testing/e2e.js';
import type { TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient } from '../testing/http-client.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

let service: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;
let host: TestUser;

before(async () => {
  service = await startServiceProcess();
  api = apiClient(service.baseUrl);
  log = new EventLog(service.db.url);
  host = await newUser(api, 'host');
});
after(async () => {
  await log.close();
  await service.stop();
});

// Each was accepted (201) and then dead-lettered by the meetings projection: the meeting existed on
// the write side and in no read model.
const UNSTORABLE = [
  '0000-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '2026-12-01T09:00:00+23:59',
  '2026-02-30T09:00:00Z',
  '10000-01-01T00:00:00Z',
];

test('scheduling or moving a meeting to a date a read model cannot hold is a 400 naming the field; nothing is appended', async () => {
  const meetingId = await scheduleMeeting(api, host);
  const before = await log.count();
  for (const at of UNSTORABLE) {
    assertValidation(
      await api.post('/meetings', meetingBody({ scheduledStartAt: at }), { token: host.token }),
      'body.scheduledStartAt',
    );
    assertValidation(
      await api.post('/meetings', meetingBody({ scheduledEndAt: at }), { token: host.token }),
      'body.scheduledEndAt',
    );
    assertValidation(
      await api.patch(`/meetings/${meetingId}`, { scheduledStartAt: at }, { token: host.token }),
      'body.scheduledStartAt',
    );
  }
  assert.equal(await log.count(), before);
  const edge = await api.post('/meetings', meetingBody({ scheduledStartAt: '9999-12-31T23:59:59Z' }), {
    token: host.token,
  });
  assert.equal(edge.status, 201, 'the last storable second is accepted');
});
