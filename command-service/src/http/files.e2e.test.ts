import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { avatarKey, S3ObjectStore, tempUploadKey } from '@meetings/storage';
import { startPrivateS3 } from '@meetings/storage/testing';
import type { PrivateS3 } from '@meetings/storage/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { sweepOnce } from '../application/files/temp-upload-sweeper.js';
import { assertProblem, EventLog, newUsers, PASSWORD, scheduleMeeting } from '../testing/e2e.js';
import type { TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient } from '../testing/http-client.js';
import { rawExchange, startServiceProcess } from '../testing/service-process.js';
import type { RawAnswer } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

const MiB = 1024 * 1024;
const AVATAR_MAX = 64 * 1024;
const DOCUMENT_MAX = 7 * MiB;

// The smallest headers file-type recognizes, padded with random bytes.
const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const png = (size = 1000) => Buffer.concat([ONE_PIXEL_PNG, randomBytes(size)]);
const jpeg = (size = 1000) =>
  Buffer.concat([Buffer.from('ffd8ffe000104a46494600', 'hex'), randomBytes(size)]);
const webp = () =>
  Buffer.concat([
    Buffer.from('RIFF'),
    Buffer.from([0x24, 0, 0, 0]),
    Buffer.from('WEBPVP8 '),
    randomBytes(64),
  ]);
const gif = () => Buffer.concat([Buffer.from('GIF89a'), randomBytes(64)]);
const pdf = (size = 2000) => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(size)]);

let s3: PrivateS3;
let store: S3ObjectStore;
let svc: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;

before(async () => {
  s3 = await startPrivateS3();
  store = new S3ObjectStore(s3.config());
  svc = await startServiceProcess({
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_PART_SIZE_BYTES: String(5 * MiB),
    AVATAR_MAX_BYTES: String(AVATAR_MAX),
    DOCUMENT_MAX_BYTES: String(DOCUMENT_MAX),
  });
  api = apiClient(svc.baseUrl);
  log = new EventLog(svc.db.url);
});

after(async () => {
  await log?.close();
  await svc?.stop();
  await s3?.stop();
});

async function send(
  method: string,
  path: string,
  body: Buffer | undefined,
  token?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${svc.baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body ? { body } : {}),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    contentType,
    body: contentType.includes('json') ? JSON.parse(text) : text,
  };
}

/** A problem answered from the headers alone: the body was never sent, the connection closes. */
function assertRefusedRaw(res: RawAnswer, status: number, type: string): void {
  const where = JSON.stringify(res);
  assert.equal(res.status, status, where);
  assert.equal(res.headers.connection, 'close', where);
  assert.equal(res.body.type, `/problems/${type}`, where);
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

async function bytesOf(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('avatars', () => {
  let user: TestUser;
  before(async () => {
    [user] = await newUsers(api, 'avatar');
  });

  test('a PNG goes to media/avatars/user_<id>.jpg with its sniffed type; the profile points at it', async () => {
    const bytes = png();
    // The header lies; the bytes decide.
    const res = await send('PUT', '/users/me/avatar', bytes, user.token, { 'content-type': 'image/jpeg' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.avatarUrl, `/users/${user.userId}/avatar`);
    assert.equal(res.body.contentType, 'image/png');
    assert.equal(res.body.sizeBytes, bytes.length);
    const stat = await store.stat(avatarKey(user.userId));
    assert.equal(stat?.contentType, 'image/png');
    assert.deepEqual(await bytesOf(avatarKey(user.userId)), bytes);
    const events = await log.revealed(`user-${user.userId}`);
    const updated = events.filter((e) => e.type === 'UserProfileUpdated');
    assert.equal(updated.at(-1)?.data.avatarUrl, `/users/${user.userId}/avatar`);
  });

  test('JPEG and WebP are taken too, replacing the object', async () => {
    for (const [bytes, type] of [
      [jpeg(), 'image/jpeg'],
      [webp(), 'image/webp'],
    ] as const) {
      const res = await send('PUT', '/users/me/avatar', bytes, user.token, {
        'content-type': 'application/octet-stream',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await store.stat(avatarKey(user.userId)))?.contentType, type);
    }
  });

  test('other bytes are 415 whatever the header says; nothing is written', async () => {
    const before = await bytesOf(avatarKey(user.userId));
    const eventsBefore = await log.count();
    for (const bytes of [
      gif(),
      pdf(),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      randomBytes(500),
    ]) {
      const res = await send('PUT', '/users/me/avatar', bytes, user.token, { 'content-type': 'image/png' });
      const problem = assertProblem(res, 415, 'unsupported-media-type');
      assert.deepEqual(problem.accepted, ['image/jpeg', 'image/png', 'image/webp']);
    }
    assert.deepEqual(await bytesOf(avatarKey(user.userId)), before);
    assert.equal(await log.count(), eventsBefore);
  });

  test('over AVATAR_MAX_BYTES is 413, by Content-Length or by the bytes of a chunked body', async () => {
    const eventsBefore = await log.count();
    assertProblem(
      await send('PUT', '/users/me/avatar', png(AVATAR_MAX), user.token),
      413,
      'payload-too-large',
    );
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(png(AVATAR_MAX / 2));
        controller.enqueue(randomBytes(AVATAR_MAX));
        controller.close();
      },
    });
    const res = await fetch(`${svc.baseUrl}/users/me/avatar`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${user.token}` },
      body: chunked,
      duplex: 'half',
    });
    assert.equal(res.status, 413);
    assert.equal(await log.count(), eventsBefore);
  });

  test('empty is 400, a compressed body is 415, no token is 401', async () => {
    assertProblem(
      await send('PUT', '/users/me/avatar', Buffer.alloc(0), user.token),
      400,
      'validation-failed',
    );
    assertProblem(
      await send('PUT', '/users/me/avatar', png(), user.token, { 'content-encoding': 'gzip' }),
      415,
      'unsupported-media-type',
    );
    assertProblem(await send('PUT', '/users/me/avatar', png()), 401, 'unauthenticated');
    assertProblem(await send('PUT', '/users/me/avatar', png(), 'not-a-session'), 401, 'unauthenticated');
  });

  test('DELETE /users/me/avatar clears the profile and removes the object', async () => {
    const res = await api.delete('/users/me/avatar', { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await store.stat(avatarKey(user.userId)), null);
    const events = await log.revealed(`user-${user.userId}`);
    assert.equal(events.filter((e) => e.type === 'UserProfileUpdated').at(-1)?.data.avatarUrl, null);
  });

  test('deleting the account erases the avatar object', async () => {
    const [gone] = await newUsers(api, 'erased');
    assert.equal((await send('PUT', '/users/me/avatar', png(), gone.token)).status, 200);
    assert.ok(await store.stat(avatarKey(gone.userId)));
    const res = await api.request('DELETE', '/users/me', { password: PASSWORD }, { token: gone.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await store.stat(avatarKey(gone.userId)), null);
  });
});

describe('meeting documents', () => {
  let host: TestUser;
  let guest: TestUser;
  let outsider: TestUser;
  let meetingId: string;

  before(async () => {
    [host, guest, outsider] = await newUsers(api, 'dochost', 'docguest', 'docout');
    meetingId = await scheduleMeeting(api, host);
    assert.equal((await api.post(`/meetings/${meetingId}/start`, {}, { token: host.token })).status, 200);
    assert.equal((await api.post(`/meetings/${meetingId}/join`, {}, { token: guest.token })).status, 200);
  });

  const attach = (name: string, body: Buffer, token?: string, id = meetingId) =>
    send('POST', `/meetings/${id}/documents?name=${encodeURIComponent(name)}`, body, token, {
      'content-type': 'application/octet-stream',
    });

  test('a present participant attaches a document: seed key, sniffed type, event, temp object gone', async () => {
    const bytes = pdf();
    const res = await attach('notes.pdf', bytes, guest.token);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.name, 'notes.pdf');
    assert.equal(res.body.contentType, 'application/pdf');
    assert.equal(res.body.sizeBytes, bytes.length);
    assert.equal(res.headers.get('location'), `/meetings/${meetingId}/documents/${res.body.documentId}`);
    const key = `media/documents/meeting_${meetingId}_notes.pdf`;
    assert.deepEqual(await bytesOf(key), bytes);
    assert.equal((await store.stat(key))?.contentType, 'application/pdf');
    const attached = (await log.stream(`meeting-${meetingId}`)).filter(
      (e) => e.type === 'MeetingDocumentAttached',
    );
    assert.deepEqual(attached.at(-1)?.data, {
      meetingId,
      documentId: res.body.documentId,
      name: 'notes.pdf',
      storageKey: key,
      sizeBytes: bytes.length,
      contentType: 'application/pdf',
      uploadedBy: guest.userId,
    });
    assert.deepEqual(await keysUnder('temp/uploads/'), []);
  });

  test('a second document of the same name gets its own key; the first is untouched', async () => {
    const first = await bytesOf(`media/documents/meeting_${meetingId}_notes.pdf`);
    const bytes = Buffer.from('plain text, no magic number');
    const res = await attach('notes.pdf', bytes, host.token);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.contentType, 'application/octet-stream');
    const key = `media/documents/meeting_${meetingId}_${res.body.documentId.replace(/-/g, '')}_notes.pdf`;
    assert.deepEqual(await bytesOf(key), bytes);
    assert.deepEqual(await bytesOf(`media/documents/meeting_${meetingId}_notes.pdf`), first);
  });

  test('a multipart-sized document (6 MiB, streamed) arrives byte-equal', async () => {
    const bytes = pdf(6 * MiB);
    const res = await attach('big.pdf', bytes, guest.token);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(await bytesOf(`media/documents/meeting_${meetingId}_big.pdf`), bytes);
  });

  test('outsiders, no token, unknown meetings and bad names are refused before the body; nothing written', async () => {
    const eventsBefore = await log.count();
    const objectsBefore = (await keysUnder('')).length;
    assertProblem(await attach('x.pdf', pdf(), outsider.token), 403, 'forbidden', 'participants-only');
    assertProblem(await attach('x.pdf', pdf(), undefined), 401, 'unauthenticated');
    assertProblem(
      await attach('x.pdf', pdf(), guest.token, '00000000-0000-4000-8000-000000000000'),
      404,
      'not-found',
    );
    for (const name of ['../x.pdf', 'a/b', 'a\\b', '..', 'nul\u0000', 'x'.repeat(256), '']) {
      assertProblem(await attach(name, pdf(), guest.token), 400, 'validation-failed');
    }
    assertProblem(
      await send('POST', `/meetings/${meetingId}/documents`, pdf(), guest.token),
      400,
      'validation-failed',
    );
    assertProblem(
      await send('POST', `/meetings/not-a-uuid/documents?name=a`, pdf(), guest.token),
      400,
      'validation-failed',
    );
    // Declared too large: answered from the headers alone, no byte of the body sent.
    const declared = await rawExchange(svc.port, [
      `POST /meetings/${meetingId}/documents?name=big.bin HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${guest.token}\r\nContent-Length: ${DOCUMENT_MAX + 1}\r\n\r\n`,
    ]);
    assertRefusedRaw(declared, 413, 'payload-too-large');
    // An outsider's hostile upload is refused from the headers too.
    const hostile = await rawExchange(svc.port, [
      `POST /meetings/${meetingId}/documents?name=x.bin HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${outsider.token}\r\nContent-Length: ${DOCUMENT_MAX}\r\n\r\n`,
    ]);
    assertRefusedRaw(hostile, 403, 'forbidden');
    assert.equal(await log.count(), eventsBefore);
    assert.equal((await keysUnder('')).length, objectsBefore);
  });

  test('a chunked body over the limit is cut off at the limit: 413, no object left, no event', async () => {
    const eventsBefore = await log.count();
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(randomBytes(MiB));
        controller.close();
      },
    });
    const res = await fetch(`${svc.baseUrl}/meetings/${meetingId}/documents?name=huge.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${guest.token}` },
      body,
      duplex: 'half',
    });
    assert.equal(res.status, 413);
    assert.equal(await log.count(), eventsBefore);
    assert.deepEqual(await keysUnder('temp/uploads/'), []);
    assert.equal(await store.stat(`media/documents/meeting_${meetingId}_huge.bin`), null);
  });

  test('a client going away mid-upload leaves no object, no incomplete upload and no event', async () => {
    const eventsBefore = await log.count();
    const socket = connect(svc.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /meetings/${meetingId}/documents?name=gone.bin HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${guest.token}\r\nContent-Length: ${6 * MiB}\r\n\r\n`,
    );
    socket.write(randomBytes(5 * MiB + 1000)); // past the first part: a multipart upload has begun
    await new Promise((resolve) => setTimeout(resolve, 500));
    socket.destroy();
    const deadline = Date.now() + 10_000;
    while (
      (await keysUnder('temp/uploads/')).length > 0 ||
      (await store.incompleteUploads('temp/uploads/')).length > 0
    ) {
      assert.ok(Date.now() < deadline, 'the temporary upload is still there');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await store.stat(`media/documents/meeting_${meetingId}_gone.bin`), null);
    assert.equal(await log.count(), eventsBefore);
  });

  test('a host removes a document (event and object); others may not', async () => {
    const res = await attach('remove-me.pdf', pdf(), guest.token);
    const documentId = res.body.documentId as string;
    const key = `media/documents/meeting_${meetingId}_remove-me.pdf`;
    assertProblem(
      await api.delete(`/meetings/${meetingId}/documents/${documentId}`, { token: guest.token }),
      403,
      'forbidden',
      'host-only',
    );
    assert.ok(await store.stat(key));
    const removed = await api.delete(`/meetings/${meetingId}/documents/${documentId}`, { token: host.token });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(await store.stat(key), null);
    const last = (await log.stream(`meeting-${meetingId}`)).at(-1);
    assert.equal(last?.type, 'MeetingDocumentRemoved');
    assert.deepEqual(last?.data, { meetingId, documentId, removedBy: host.userId, reason: 'removed' });
    assertProblem(
      await api.delete(`/meetings/${meetingId}/documents/${documentId}`, { token: host.token }),
      404,
      'not-found',
      'document-not-found',
    );
  });

  test('a cancelled meeting takes no documents', async () => {
    const cancelled = await scheduleMeeting(api, host);
    assert.equal((await api.post(`/meetings/${cancelled}/cancel`, {}, { token: host.token })).status, 200);
    assertProblem(
      await attach('x.pdf', pdf(), host.token, cancelled),
      409,
      'business-rule-violated',
      'meeting-cancelled',
    );
  });
});

describe('temp upload sweeper', () => {
  test('deletes temp/uploads/ objects older than the age limit, under the Redis lock, and nothing else', async () => {
    const old = tempUploadKey();
    await store.put(old, Buffer.from('left behind'), { contentType: 'application/octet-stream' });
    await store.put('media/documents/keep-me', Buffer.from('keep'), { contentType: 'text/plain' });
    const redis = new Redis(svc.redisUrl, { keyPrefix: svc.redisPrefix });
    try {
      const options = { store, redis, maxAgeSeconds: 3600, logger: pino({ level: 'silent' }) };
      // Now: the object is young, so it stays.
      assert.equal(await sweepOnce(options), true);
      assert.ok(await store.stat(old));
      // Two hours on, it is old.
      assert.equal(await sweepOnce(options, new Date(Date.now() + 2 * 3600_000)), true);
      assert.equal(await store.stat(old), null);
      assert.ok(await store.stat('media/documents/keep-me'));
      // While another instance holds the lock, this one does not sweep.
      await redis.set('lock:temp-uploads-sweeper', 'someone-else', 'PX', 10_000);
      const held = tempUploadKey();
      await store.put(held, Buffer.from('x'), { contentType: 'application/octet-stream' });
      assert.equal(await sweepOnce(options, new Date(Date.now() + 2 * 3600_000)), false);
      assert.ok(await store.stat(held));
      await redis.del('lock:temp-uploads-sweeper');
    } finally {
      redis.disconnect();
    }
  });
});

describe('without S3_ENDPOINT', () => {
  test('the service runs and the file endpoints answer 503 storage-not-configured', async () => {
    const plain = await startServiceProcess();
    try {
      const plainApi = apiClient(plain.baseUrl);
      const [user] = await newUsers(plainApi, 'nos3');
      const put = await fetch(`${plain.baseUrl}/users/me/avatar`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${user.token}` },
        body: png(),
      });
      assert.equal(put.status, 503);
      assert.equal(((await put.json()) as { type: string }).type, '/problems/storage-not-configured');
      // Nothing can have been stored: clearing the avatar is only the profile's command.
      assert.equal((await plainApi.delete('/users/me/avatar', { token: user.token })).status, 200);
      const meeting = await scheduleMeeting(plainApi, user);
      const doc = await fetch(`${plain.baseUrl}/meetings/${meeting}/documents?name=a.pdf`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}` },
        body: pdf(),
      });
      assert.equal(doc.status, 503);
    } finally {
      await plain.stop();
    }
  });
});
