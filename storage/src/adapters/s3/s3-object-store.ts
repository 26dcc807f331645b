import type { Readable } from 'node:stream';
import { Client, CopyDestinationOptions, CopySourceOptions, S3Error } from 'minio';
import type { StorageConfig } from '../../config.js';
import type { CopyOptions, ObjectStore, PutOptions, StoredObject } from '../../ports/object-store.js';

/** What S3 answers for an object or bucket that is not there. */
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);

const isNotFound = (error: unknown) => error instanceof S3Error && NOT_FOUND.has(String(error.code));

/** An error answer of the S3 server (as opposed to a refused connection or a bug). */
export const isS3Error = (error: unknown): boolean => error instanceof S3Error;

/** An rfc 5987 `filename*` (any UTF-8 name) with a plain ASCII `filename` fallback. */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * The ObjectStore on any S3-compatible server through the `minio` client (MinIO, Ceph radosgw, AWS
 * S3): endpoint, keys, region, path style and part size come from StorageConfig. Bodies of unknown
 * size and files larger than the part size go up as multipart uploads of `partSizeBytes` parts.
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly client: Client;
  private readonly region: string;

  constructor(config: StorageConfig) {
    const url = new URL(config.endpoint);
    const useSSL = url.protocol === 'https:';
    this.bucket = config.bucket;
    this.region = config.region;
    this.client = new Client({
      endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: config.region,
      pathStyle: config.pathStyle,
      partSize: config.partSizeBytes,
    });
  }

  async ensureBucket(): Promise<void> {
    if (await this.client.bucketExists(this.bucket)) return;
    try {
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      // Another instance made it meanwhile.
      const code = (error as { code?: string }).code;
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
    }
  }

  /**
   * A stream that fails (the client went away, a size limit cut it) rejects the put and aborts the
   * multipart upload begun for it. The minio client does not listen for errors of the stream it
   * reads: left alone, such an error would be uncaught and its upload would wait for ever.
   */
  async put(key: string, body: Buffer | Readable, options: PutOptions): Promise<StoredObject> {
    const meta = { 'Content-Type': options.contentType };
    if (Buffer.isBuffer(body)) {
      await this.client.putObject(this.bucket, key, body, body.length, meta);
      return this.mustStat(key);
    }
    let streamFailed = false;
    const failed = new Promise<never>((_, reject) =>
      body.once('error', (error) => {
        streamFailed = true;
        reject(error);
      }),
    );
    try {
      await Promise.race([this.client.putObject(this.bucket, key, body, options.sizeBytes, meta), failed]);
    } catch (error) {
      if (streamFailed) await this.client.removeIncompleteUpload(this.bucket, key).catch(() => undefined);
      throw error;
    }
    return this.mustStat(key);
  }

  async putFile(key: string, path: string, options: PutOptions): Promise<StoredObject> {
    await this.client.fPutObject(this.bucket, key, path, { 'Content-Type': options.contentType });
    return this.mustStat(key);
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const stat = await this.client.statObject(this.bucket, key);
      const contentType = stat.metaData['content-type'] as string | undefined;
      return {
        key,
        sizeBytes: stat.size,
        contentType: contentType ?? null,
        etag: stat.etag,
        lastModified: stat.lastModified,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  get(key: string): Promise<Readable> {
    return this.client.getObject(this.bucket, key);
  }

  async copy(fromKey: string, toKey: string, options: CopyOptions = {}): Promise<void> {
    // Without a new Content-Type the metadata travels with the object (the COPY directive).
    const destination = options.contentType
      ? new CopyDestinationOptions({
          Bucket: this.bucket,
          Object: toKey,
          MetadataDirective: 'REPLACE',
          Headers: { 'Content-Type': options.contentType },
        })
      : new CopyDestinationOptions({ Bucket: this.bucket, Object: toKey });
    await this.client.copyObject(
      new CopySourceOptions({ Bucket: this.bucket, Object: fromKey }),
      destination,
    );
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const stream = this.client.listObjectsV2(this.bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{
      name?: string;
      size: number;
      etag?: string;
      lastModified?: Date;
    }>) {
      if (!item.name) continue; // a common prefix, not an object (never with recursive listing)
      yield {
        key: item.name,
        sizeBytes: item.size,
        contentType: null,
        etag: item.etag ?? '',
        lastModified: item.lastModified ?? new Date(0),
      };
    }
  }

  presignedGetUrl(key: string, expiresInSeconds: number, downloadName?: string): Promise<string> {
    const headers: Record<string, string> = downloadName
      ? { 'response-content-disposition': attachmentDisposition(downloadName) }
      : {};
    return this.client.presignedGetObject(this.bucket, key, expiresInSeconds, headers);
  }

  async expireUnder(prefix: string, days: number): Promise<boolean> {
    try {
      await this.client.setBucketLifecycle(this.bucket, {
        Rule: [
          {
            ID: `expire-${prefix.replace(/[^A-Za-z0-9]+/g, '-')}`,
            Status: 'Enabled',
            Filter: { Prefix: prefix },
            Expiration: { Days: days },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      });
      return true;
    } catch (error) {
      if (error instanceof S3Error) return false; // the server does not take this rule
      throw error;
    }
  }

  /** Keys of multipart uploads begun and neither completed nor aborted under `prefix`, for checks. */
  async incompleteUploads(prefix: string): Promise<string[]> {
    // The client lists each upload's parts too: an upload aborted meanwhile answers NoSuchKey or
    // NoSuchUpload, and the listing is taken again.
    for (let attempt = 1; ; attempt++) {
      try {
        const keys: string[] = [];
        const uploads = this.client.listIncompleteUploads(this.bucket, prefix, true) as AsyncIterable<{
          key: string;
        }>;
        for await (const upload of uploads) keys.push(upload.key);
        return keys;
      } catch (error) {
        const gone = error instanceof S3Error && ['NoSuchKey', 'NoSuchUpload'].includes(String(error.code));
        if (!gone || attempt >= 5) throw error;
      }
    }
  }

  /** The bucket's lifecycle rules as the server returns them (null: none), for checks. */
  async lifecycle(): Promise<unknown> {
    try {
      return await this.client.getBucketLifecycle(this.bucket);
    } catch (error) {
      if (error instanceof S3Error && error.code === 'NoSuchLifecycleConfiguration') return null;
      throw error;
    }
  }

  private async mustStat(key: string): Promise<StoredObject> {
    const stored = await this.stat(key);
    if (!stored) throw new Error(`object ${key} is missing right after its upload`);
    return stored;
  }
}
