import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CommandHandler } from '@meetings/command-service/commands';
import { meetingDecider } from '@meetings/command-service/domain';
import { createPool, PostgresEventStore } from '@meetings/db';
import { createUpcasterRegistry, streams } from '@meetings/events';
import { recordingKey, S3ObjectStore } from '@meetings/storage';
import { startPrivateS3 } from '@meetings/storage/testing';
import type { PrivateS3 } from '@meetings/storage/testing';
import pino from 'pino';
import { apiClient, assertProblem } from '../testing/http.js';
import type { Get } from '../testing/http.js';
import { startQueryApi } from '../testing/query-process.js';
import { call, registerUser, startSystem } from '../testing/system.js';
import type { SystemUnderTest } from '../testing/system.js';

// Files end to end: uploads through the command service, the meeting-documents projection, and
// query-api's presigned URLs fetched from a private Ceph radosgw.

const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

let s3: PrivateS3;
let store: S3ObjectStore;
let system: SystemUnderTest;
let get: Get;
type User = Awaited<ReturnType<typeof registerUser>>;
let host: User;
let guest: User;
let stranger: User;
let meetingId: string;

const command = (method: string, path: string, token?: string, body?: unknown) =>
  call(system.command.baseUrl, method, path, token, body);

async function upload(method: string, path: string, token: string, bytes: Buffer) {
  const res = await fetch(`${system.command.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Fetches a presigned URL: status, bytes and Content-Disposition. */
async function fetchUrl(url: string) {
  const res = await fetch(url);
  return {
    status: res.status,
    bytes: Buffer.from(await res.arrayBuffer()),
    disposition: res.headers.get('content-disposition'),
  };
}

before(async () => {
  s3 = await startPrivateS3();
  store = new S3ObjectStore(s3.config());
  system = await startSystem({
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
  });
  get = apiClient(system.query.baseUrl);
  [host, guest, stranger] = await Promise.all([
    registerUser(system, 'fhost'),
    registerUser(system, 'fguest'),
    registerUser(system, 'fstranger'),
  ]);
  const scheduled = await command('POST', '/meetings', host.token, {
    title: 'Files',
    scheduledStartAt: '2030-01-01T09:00:00.000Z',
    settings: { access: 'open' },
  });
  meetingId = scheduled.body.meetingId;
  assert.equal((await command('POST', `/meetings/${meetingId}/start`, host.token)).status, 200);
  assert.equal((await command('POST', `/meetings/${meetingId}/join`, guest.token)).status, 200);
});

after(async () => {
  await system?.stop();
  await s3?.stop();
});

describe('meeting documents', () => {
  let documentId: string;
  let position: number;
  const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(4000)]);
  const name = 'Notizen über Q3.pdf';

  before(async () => {
    const res = await upload(
      'POST',
      `/meetings/${meetingId}/documents?name=${encodeURIComponent(name)}`,
      guest.token,
      bytes,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    documentId = res.body.documentId;
    position = res.body.position;
  });

  test('listed to whoever sees the meeting, once projected; a 404 to others', async () => {
    for (const user of [host, guest]) {
      const res = await get(`/meetings/${meetingId}/documents?minPosition=${position}`, user.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.items.length, 1);
      const [doc] = res.body.items;
      assert.equal(doc.id, documentId);
      assert.equal(doc.name, name);
      assert.equal(doc.sizeBytes, bytes.length);
      assert.equal(doc.contentType, 'application/pdf');
      assert.equal(doc.uploadedBy, guest.userId);
      assert.equal(doc.storageKey, undefined, 'keys stay on the servers');
    }
    assertProblem(
      await get(`/meetings/${meetingId}/documents`, stranger.token),
      404,
      undefined,
      'meeting-not-found',
    );
    assertProblem(await get(`/meetings/${meetingId}/documents`), 401);
  });

  test('downloaded through a presigned URL: the same bytes, as an attachment under its name', async () => {
    const res = await get(
      `/meetings/${meetingId}/documents/${documentId}/download?minPosition=${position}`,
      guest.token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(Date.parse(res.body.expiresAt) > Date.now());
    const file = await fetchUrl(res.body.url);
    assert.equal(file.status, 200);
    assert.deepEqual(file.bytes, bytes);
    assert.match(file.disposition ?? '', /^attachment;.*filename\*=UTF-8''Notizen%20%C3%BCber%20Q3\.pdf/);
    assertProblem(await get(`/meetings/${meetingId}/documents/${documentId}/download`, stranger.token), 404);
    assertProblem(
      await get(`/meetings/${meetingId}/documents/${randomUUID()}/download`, guest.token),
      404,
      undefined,
      'document-not-found',
    );
  });

  test('removed by the host: no longer listed nor downloadable', async () => {
    const removed = await command('DELETE', `/meetings/${meetingId}/documents/${documentId}`, host.token);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const list = await get(
      `/meetings/${meetingId}/documents?minPosition=${removed.body.position}`,
      guest.token,
    );
    assert.deepEqual(list.body.items, []);
    assertProblem(await get(`/meetings/${meetingId}/documents/${documentId}/download`, guest.token), 404);
  });
});

describe('avatars', () => {
  test('any signed-in user gets a presigned URL of an uploaded avatar; 404 without one; 401 signed out', async () => {
    const avatar = Buffer.concat([ONE_PIXEL_PNG, randomBytes(100)]);
    const res = await upload('PUT', '/users/me/avatar', guest.token, avatar);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const link = await get(`/users/${guest.userId}/avatar?minPosition=${res.body.position}`, stranger.token);
    assert.equal(link.status, 200, JSON.stringify(link.body));
    const file = await fetchUrl(link.body.url);
    assert.equal(file.status, 200);
    assert.deepEqual(file.bytes, avatar);
    assertProblem(
      await get(`/users/${host.userId}/avatar`, stranger.token),
      404,
      undefined,
      'avatar-not-found',
    );
    assertProblem(await get(`/users/${randomUUID()}/avatar`, stranger.token), 404);
    assertProblem(await get(`/users/${guest.userId}/avatar`), 401);
  });
});

describe('recording downloads', () => {
  test('a completed recording to its host and attendees; 409 before; 404 to others', async () => {
    const started = await command('POST', `/meetings/${meetingId}/recordings`, host.token);
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const recordingId = started.body.recordingId as string;
    const stopped = await command(
      'POST',
      `/meetings/${meetingId}/recordings/${recordingId}/stop`,
      host.token,
    );
    assert.equal(stopped.status, 200);
    assertProblem(
      await get(
        `/meetings/${meetingId}/recordings/${recordingId}/download?minPosition=${stopped.body.position}`,
        host.token,
      ),
      409,
      undefined,
      'recording-not-completed',
    );

    // The recorder's part (sfu-node): the file into the bucket, then CompleteRecording as the node.
    const key = recordingKey(meetingId, new Date(), 'webm');
    const video = randomBytes(200_000);
    await store.put(key, video, { contentType: 'video/webm' });
    const pool = createPool({ connectionString: system.command.db.url, max: 1 }, pino({ level: 'silent' }));
    try {
      const commands = new CommandHandler(new PostgresEventStore(pool), createUpcasterRegistry(), {
        maxAttempts: 5,
      });
      const now = new Date();
      const outcome = await commands.handle(
        meetingDecider,
        streams.meeting(meetingId),
        {
          type: 'CompleteRecording',
          data: {
            meetingId,
            recordingId,
            storageKey: key,
            sizeBytes: video.length,
            durationSeconds: 3,
            format: 'webm',
          },
          actorId: 'sfu:test-node',
          now,
        },
        { actorUserId: null, correlationId: 'test', commandId: randomUUID(), idempotencyKey: null, now },
      );
      for (const user of [host, guest]) {
        const res = await get(
          `/meetings/${meetingId}/recordings/${recordingId}/download?minPosition=${outcome.position}`,
          user.token,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const file = await fetchUrl(res.body.url);
        assert.equal(file.status, 200);
        assert.deepEqual(file.bytes, video);
        assert.match(file.disposition ?? '', /filename="recording_\d{8}_\d{6}\.webm"/);
      }
      assertProblem(
        await get(`/meetings/${meetingId}/recordings/${recordingId}/download`, stranger.token),
        404,
      );
      assertProblem(
        await get(`/meetings/${meetingId}/recordings/${randomUUID()}/download`, host.token),
        404,
        undefined,
        'recording-not-found',
      );
    } finally {
      await pool.end();
    }
  });
});

describe('without S3_ENDPOINT', () => {
  test('downloads answer 503 storage-not-configured; listing still works', async () => {
    const plain = await startQueryApi(
      {},
      { shared: { db: system.command.db, redisPrefix: system.command.redisPrefix } },
    );
    try {
      const plainGet = apiClient(plain.baseUrl);
      assert.equal((await plainGet(`/meetings/${meetingId}/documents`, host.token)).status, 200);
      const res = await upload('PUT', '/users/me/avatar', host.token, ONE_PIXEL_PNG);
      assert.equal(res.status, 200);
      assertProblem(
        await plainGet(`/users/${host.userId}/avatar?minPosition=${res.body.position}`, guest.token),
        503,
        'storage-not-configured',
      );
    } finally {
      await plain.terminate();
    }
  });
});
