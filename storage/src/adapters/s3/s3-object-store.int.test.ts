import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startPrivateS3 } from '../../testing/index.js';
import type { PrivateS3 } from '../../testing/index.js';
import { S3ObjectStore } from './s3-object-store.js';

const MiB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keys(store: S3ObjectStore, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of store.list(prefix)) found.push(object.key);
  return found.sort();
}

/** A stream that does not say its length, in uneven chunks (the multipart path). */
function chunked(data: Buffer, chunk = 777_777): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    })(),
  );
}

describe('S3ObjectStore against a private Ceph radosgw', () => {
  let s3: PrivateS3;
  let store: S3ObjectStore;
  let dir: string;

  before(async () => {
    const started = Date.now();
    s3 = await startPrivateS3();
    console.log(`# radosgw started in ${Date.now() - started} ms`);
    store = new S3ObjectStore(s3.config());
    await store.ensureBucket();
    dir = await mkdtemp(join(tmpdir(), 'mtg-s3-test-'));
  });

  after(async () => {
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('ensureBucket is idempotent, also from a second client', async () => {
    await store.ensureBucket();
    await new S3ObjectStore(s3.config()).ensureBucket();
    const other = new S3ObjectStore(s3.config('second-bucket'));
    await other.ensureBucket();
    await other.ensureBucket();
    await other.put('x', Buffer.from('x'), { contentType: 'text/plain' });
    assert.equal(await store.stat('x'), null, 'buckets are separate');
  });

  test('put, stat, get, copy, remove and list', async () => {
    const body = Buffer.from('hello, object storage');
    const put = await store.put('media/avatars/user_a.jpg', body, { contentType: 'image/png' });
    assert.equal(put.sizeBytes, body.length);
    assert.equal(put.contentType, 'image/png');
    const stat = await store.stat('media/avatars/user_a.jpg');
    assert.equal(stat?.sizeBytes, body.length);
    assert.equal(stat?.contentType, 'image/png');
    assert.ok(stat?.lastModified instanceof Date);
    assert.deepEqual(await readAll(await store.get('media/avatars/user_a.jpg')), body);

    await store.copy('media/avatars/user_a.jpg', 'media/avatars/user_b.jpg');
    const copied = await store.stat('media/avatars/user_b.jpg');
    assert.equal(copied?.contentType, 'image/png', 'the content type travels with the copy');
    assert.deepEqual(await readAll(await store.get('media/avatars/user_b.jpg')), body);

    assert.deepEqual(await keys(store, 'media/avatars/'), [
      'media/avatars/user_a.jpg',
      'media/avatars/user_b.jpg',
    ]);
    assert.deepEqual(await keys(store, 'media/avatars/user_b'), ['media/avatars/user_b.jpg']);
    assert.deepEqual(await keys(store, 'nothing/'), []);

    await store.remove('media/avatars/user_a.jpg');
    assert.equal(await store.stat('media/avatars/user_a.jpg'), null);
    await store.remove('media/avatars/user_a.jpg'); // removing what is gone is no error
    await assert.rejects(() => store.get('media/avatars/user_a.jpg'));
  });

  test('a stream of unknown length goes up in 5 MiB parts and reads back byte-equal', async () => {
    const data = randomBytes(12 * MiB + 12345);
    const put = await store.put('recordings/multipart.webm', chunked(data), { contentType: 'video/webm' });
    assert.equal(put.sizeBytes, data.length);
    // S3 gives a multipart object an etag of `<md5 of part md5s>-<part count>`.
    assert.match(put.etag, /-3"?$/, `three parts expected, etag ${put.etag}`);
    assert.deepEqual(await readAll(await store.get('recordings/multipart.webm')), data);
  });

  test('a stream failing mid-upload rejects the put, leaves no object and no incomplete upload', async () => {
    const body = new PassThrough();
    const put = store.put('temp/uploads/cut', body, { contentType: 'application/octet-stream' });
    body.write(randomBytes(6 * MiB)); // past the first part: a multipart upload has begun
    setTimeout(() => body.destroy(new Error('cut off')), 300);
    await assert.rejects(put, /cut off/);
    assert.equal(await store.stat('temp/uploads/cut'), null);
    assert.deepEqual(await store.incompleteUploads('temp/uploads/'), []);
  });

  test('a file larger than the part size goes up in parts too', async () => {
    const data = randomBytes(11 * MiB);
    const path = join(dir, 'recording.webm');
    await writeFile(path, data);
    const put = await store.putFile('recordings/file.webm', path, { contentType: 'video/webm' });
    assert.equal(put.sizeBytes, data.length);
    assert.equal(put.contentType, 'video/webm');
    assert.match(put.etag, /-3"?$/, `three parts expected, etag ${put.etag}`);
    assert.deepEqual(await readAll(await store.get('recordings/file.webm')), data);
  });

  test('a presigned GET serves the object with the download name; tampered or expired ones are refused', async () => {
    const body = Buffer.from('%PDF-1.4 notes');
    await store.put('media/documents/meeting_x_notes.pdf', body, { contentType: 'application/pdf' });
    const url = await store.presignedGetUrl(
      'media/documents/meeting_x_notes.pdf',
      60,
      'Notizen über Q3 "final".pdf',
    );
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
    const disposition = res.headers.get('content-disposition') ?? '';
    assert.match(disposition, /^attachment;/);
    assert.match(disposition, /filename\*=UTF-8''Notizen%20%C3%BCber%20Q3%20%22final%22\.pdf/);

    const other = new URL(url);
    other.pathname = other.pathname.replace('notes.pdf', 'other.pdf');
    assert.equal((await fetch(other)).status, 403, 'a signature is for one key only');
    const forged = new URL(url);
    forged.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    assert.equal((await fetch(forged)).status, 403);

    const shortLived = await store.presignedGetUrl('media/documents/meeting_x_notes.pdf', 1);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await fetch(shortLived)).status, 403, 'expired');
  });

  test('a copy can take a new content type', async () => {
    await store.put('temp/uploads/typed', Buffer.from('\x89PNG'), {
      contentType: 'application/octet-stream',
    });
    await store.copy('temp/uploads/typed', 'media/typed.png', { contentType: 'image/png' });
    assert.equal((await store.stat('media/typed.png'))?.contentType, 'image/png');
    assert.equal((await store.stat('temp/uploads/typed'))?.contentType, 'application/octet-stream');
  });

  test('radosgw takes a lifecycle rule expiring temp/uploads/', async () => {
    assert.equal(await store.expireUnder('temp/uploads/', 1), true);
    const rules = JSON.stringify(await store.lifecycle());
    assert.match(rules, /temp\/uploads\//);
    assert.match(rules, /"Days":\s*"?1/);
  });

  test('stat of a missing key is null; get of one rejects', async () => {
    assert.equal(await store.stat('no/such/key'), null);
    await assert.rejects(() => store.get('no/such/key'));
  });
});
