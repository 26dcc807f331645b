import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, registerUser, startSystem } from '../testing/system.js';
import type { SystemUnderTest } from '../testing/system.js';

let system: SystemUnderTest;

before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

test('GET /meetings/{id} answers the meeting stream version, as body and ETag: a read, then a write with If-Match', async () => {
  const [host, guest] = [await registerUser(system, 'host'), await registerUser(system, 'guest')];
  const scheduled = await call(system.command.baseUrl, 'POST', '/meetings', host.token, {
    settings: { access: 'open' },
    title: 'Planning',
    scheduledStartAt: '2030-01-07T09:00:00Z',
  });
  const meetingId = scheduled.body.meetingId as string;
  const path = `/meetings/${meetingId}`;
  await call(system.command.baseUrl, 'POST', `${path}/start`, host.token);
  await call(system.command.baseUrl, 'POST', `${path}/join`, guest.token);
  await call(system.command.baseUrl, 'POST', `${path}/participants/${guest.userId}/mute`, host.token);
  // The stream's last events are a participant's and a chat message: neither changes the meeting's columns.
  const chat = await call(system.command.baseUrl, 'POST', `${path}/chat-messages`, guest.token, {
    text: 'hello',
  });
  assert.equal(chat.status, 201);

  const read = await call(
    system.query.baseUrl,
    'GET',
    `${path}?minPosition=${chat.body.position}`,
    host.token,
  );
  assert.equal(read.status, 200);
  assert.equal(read.body.version, chat.body.version, 'the version of the stream, chat included');
  assert.equal(read.etag, `"${chat.body.version}"`);

  const renamed = await call(
    system.command.baseUrl,
    'PATCH',
    path,
    host.token,
    { title: 'Renamed' },
    { 'if-match': read.etag },
  );
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));

  // Another event later, the version read before is stale: the write is refused.
  await call(system.command.baseUrl, 'POST', `${path}/chat-messages`, guest.token, { text: 'again' });
  const stale = await call(
    system.command.baseUrl,
    'PATCH',
    path,
    host.token,
    { title: 'Stale' },
    { 'if-match': read.etag },
  );
  assert.equal(stale.status, 412);
});
