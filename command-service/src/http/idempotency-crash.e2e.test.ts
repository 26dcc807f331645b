import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { newUsers, scheduleMeeting } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

let first: ServiceUnderTest;
let second: ServiceUnderTest | undefined;
let pool: pg.Pool;

before(async () => {
  // A few users retrying under load: the per-user rate limit (rate-limit.e2e) is off.
  first = await startServiceProcess({ RATE_LIMIT_COMMANDS: '0' });
  pool = new pg.Pool({ connectionString: first.db.url, max: 2 });
});
after(async () => {
  await pool.end();
  await second?.terminate();
  await first.stop();
});

test('command-service SIGKILLed with idempotent commands in flight: each key is answered at once by the next process, and applied once', async () => {
  const api = apiClient(first.baseUrl);
  const [host, guest] = await newUsers(api, 'host', 'guest');
  const meetingId = await scheduleMeeting(api, host);
  assert.equal((await api.post(`/meetings/${meetingId}/start`, {}, { token: host.token })).status, 200);
  assert.equal((await api.post(`/meetings/${meetingId}/join`, {}, { token: guest.token })).status, 200);

  // Forty chat messages under their own keys, the process killed while they are being handled.
  const keys = Array.from({ length: 40 }, () => randomUUID());
  const send = (baseUrl: string, key: string) =>
    apiClient(baseUrl).post(
      `/meetings/${meetingId}/chat-messages`,
      { text: `message ${key}` },
      { token: guest.token, headers: { 'idempotency-key': key } },
    );
  const inFlight = keys.map((key) => send(first.baseUrl, key).catch(() => null));
  await Promise.race(inFlight); // killed as soon as the first is answered: the rest are mid-way
  await first.kill();
  const firstAnswers = await Promise.all(inFlight);
  const cut = firstAnswers.filter((a) => a === null).length;
  const chats = async () =>
    (
      await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM es_events WHERE type = 'ChatMessageSent' AND stream_id = $1`,
        [`meeting-${meetingId}`],
      )
    ).rows[0]!.n;
  const appendedBeforeKill = await chats();

  second = await startServiceProcess(
    { RATE_LIMIT_COMMANDS: '0' },
    { shared: { db: first.db, redisPrefix: first.redisPrefix } },
  );
  const retried = await Promise.all(keys.map((key) => send(second!.baseUrl, key)));
  console.log(
    `${cut} of ${keys.length} requests cut by the kill, ${appendedBeforeKill} of them appended before it; ` +
      `every retry answered ${[...new Set(retried.map((r) => r.status))].join(', ')}`,
  );
  assert.ok(cut > 0, 'the kill cut requests in flight');
  for (const [i, answer] of retried.entries()) {
    assert.equal(answer.status, 201, `${keys[i]}: ${JSON.stringify(answer.body)}`);
    const earlier = firstAnswers[i];
    if (earlier) assert.deepEqual(answer.body, earlier.body, 'an answer given before the kill replays');
  }

  // Each message was appended once, whichever process appended it.
  const { rows } = await pool.query<{ text: string; n: number }>(
    `SELECT data->>'text' AS text, count(*)::int AS n FROM es_events
     WHERE type = 'ChatMessageSent' AND stream_id = $1 GROUP BY 1`,
    [`meeting-${meetingId}`],
  );
  assert.equal(rows.length, keys.length);
  assert.ok(rows.every((r) => r.n === 1));
  const again = await Promise.all(keys.map((key) => send(second!.baseUrl, key)));
  assert.deepEqual(
    again.map((a) => a.body),
    retried.map((r) => r.body),
  );
});
