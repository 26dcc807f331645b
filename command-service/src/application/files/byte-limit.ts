import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { UploadTooLarge } from './upload-errors.js';

/** How many leading bytes content sniffing looks at (file-type's own reach). */
export const SNIFF_BYTES = 4100;

/**
 * Passes a body through, failing with UploadTooLarge as soon as it goes past `limitBytes` (so a
 * body of false or no Content-Length never gets further than that), and keeps the first
 * SNIFF_BYTES for content sniffing.
 */
export class ByteLimit extends Transform {
  private seen = 0;
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly limitBytes: number) {
    super();
  }

  get bytes(): number {
    return this.seen;
  }

  /** The body's first bytes (up to SNIFF_BYTES). */
  head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limitBytes) {
      done(new UploadTooLarge(this.limitBytes));
      return;
    }
    if (this.headLength < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - this.headLength);
      this.headChunks.push(Buffer.from(part));
      this.headLength += part.length;
    }
    done(null, chunk);
  }
}
