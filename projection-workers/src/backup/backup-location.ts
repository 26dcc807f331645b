import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { parseStorageConfig, S3ObjectStore } from '@meetings/storage';
import type { ObjectStore } from '@meetings/storage';

/** A wrong argument or setting of backup/restore; the message says which and why. */
export class BackupUsageError extends Error {
  override readonly name = 'BackupUsageError';
}

export type BackupLocation = { kind: 'file'; path: string } | { kind: 's3'; bucket: string; key: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://<bucket>/<key>` or a file path. */
export function parseLocation(text: string): BackupLocation {
  if (text.includes('\0')) throw new BackupUsageError('the location contains a NUL byte');
  if (!text.startsWith('s3://')) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
      throw new BackupUsageError(`${text}: only files and s3://<bucket>/<key> are supported`);
    }
    if (text.trim() === '') throw new BackupUsageError('the location is empty');
    return { kind: 'file', path: text };
  }
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket))
    throw new BackupUsageError(`${text}: "${bucket}" is not a bucket name (3-63 of a-z 0-9 . -)`);
  if (key === '' || key.endsWith('/'))
    throw new BackupUsageError(`${text}: give the object key after the bucket`);
  if (key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new BackupUsageError(`${text}: the key has an empty, "." or ".." segment`);
  }
  if (Buffer.byteLength(key) > 1024) throw new BackupUsageError(`${text}: the key is longer than 1024 bytes`);
  return { kind: 's3', bucket, key };
}

export function describe(location: BackupLocation): string {
  return location.kind === 'file' ? location.path : `s3://${location.bucket}/${location.key}`;
}

/** The object store of the S3_* settings, on the location's bucket. */
export function objectStoreFor(
  location: { bucket: string },
  env: NodeJS.ProcessEnv = process.env,
): ObjectStore {
  const config = parseStorageConfig(env);
  if (!config)
    throw new BackupUsageError('an s3:// location needs S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY');
  return new S3ObjectStore({ ...config, bucket: location.bucket });
}

/**
 * Runs `write` on a writable for the location. A file is created new (never overwritten) and
 * readable by its owner only: the backup holds the personal-data keys. An object is written to a
 * private temporary file first, then uploaded (in parts when large); an existing object is refused.
 */
export async function writeTo<T>(
  location: BackupLocation,
  write: (out: Writable) => Promise<T>,
  store?: ObjectStore,
): Promise<T> {
  if (location.kind === 'file') {
    const out = createWriteStream(location.path, { flags: 'wx', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EEXIST'
            ? new BackupUsageError(`${location.path} exists: a backup never overwrites a file`)
            : e,
        ),
      );
    });
    return await write(out);
  }
  const objects = store ?? objectStoreFor(location);
  await objects.ensureBucket();
  if (await objects.stat(location.key)) {
    throw new BackupUsageError(`${describe(location)} exists: a backup never overwrites an object`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'meetings-backup-'));
  try {
    const path = join(dir, 'backup.gz');
    const result = await write(createWriteStream(path, { mode: 0o600 }));
    await objects.putFile(location.key, path, { contentType: 'application/gzip' });
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function readFrom(location: BackupLocation, store?: ObjectStore): Promise<Readable> {
  if (location.kind === 'file') {
    const input = createReadStream(location.path);
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new BackupUsageError(`${location.path}: no such file`) : e),
      );
    });
    return input;
  }
  const objects = store ?? objectStoreFor(location);
  if (!(await objects.stat(location.key)))
    throw new BackupUsageError(`${describe(location)}: no such object`);
  return objects.get(location.key);
}
