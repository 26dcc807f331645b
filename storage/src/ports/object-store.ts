import type { Readable } from 'node:stream';

/** What an object store answers about an object. */
export interface StoredObject {
  key: string;
  sizeBytes: number;
  contentType: string | null;
  etag: string;
  lastModified: Date;
}

export interface PutOptions {
  contentType: string;
  /** Known size in bytes, when the caller has it (a stream of unknown length is uploaded in parts). */
  sizeBytes?: number;
}

/**
 * The object storage the system writes files to (recordings, avatars, documents, temp uploads),
 * one bucket, keys laid out as the seed's 000 says (see object-keys.ts). Implemented on any
 * S3-compatible server (adapters/s3, the minio client); large bodies go up in multipart parts.
 */
export interface ObjectStore {
  readonly bucket: string;
  /** Creates the bucket if it is missing (idempotent). */
  ensureBucket(): Promise<void>;
  put(key: string, body: Buffer | Readable, options: PutOptions): Promise<StoredObject>;
  /** Uploads a local file (multipart above the configured part size). */
  putFile(key: string, path: string, options: PutOptions): Promise<StoredObject>;
  /** null when there is no such object. */
  stat(key: string): Promise<StoredObject | null>;
  get(key: string): Promise<Readable>;
  /**
   * Server-side copy inside the bucket; the copy keeps the source's Content-Type unless
   * `options.contentType` replaces it.
   */
  copy(fromKey: string, toKey: string, options?: CopyOptions): Promise<void>;
  /** Deleting what is not there is not an error. */
  remove(key: string): Promise<void>;
  /** Every object under a prefix, with its last modification time. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** A time-limited GET URL; `downloadName` sets Content-Disposition: attachment. */
  presignedGetUrl(key: string, expiresInSeconds: number, downloadName?: string): Promise<string>;
  /**
   * Asks the server to delete objects under `prefix` `days` after their creation, and to abort
   * multipart uploads left incomplete for a day (a bucket lifecycle rule). Optional: resolves to
   * false when the server refuses lifecycle rules (then only a sweeper cleans up).
   */
  expireUnder?(prefix: string, days: number): Promise<boolean>;
}

export interface CopyOptions {
  /** The copy's Content-Type (the source's when absent). */
  contentType?: string;
}
