import { isS3Error } from '@meetings/storage';
import {
  EmptyUpload,
  StorageNotConfigured,
  UnsupportedUploadType,
  UploadTooLarge,
} from '../application/files/upload-errors.js';
import { HttpProblem, problemFromError, problems } from './problem.js';

/** 503: this deployment has no object storage (S3_ENDPOINT unset); retrying will not help. */
export const storageNotConfigured = () =>
  new HttpProblem(
    503,
    'storage-not-configured',
    'Storage not configured',
    'this deployment runs without object storage, so files can be neither uploaded nor served',
  );

/** Network failures talking to the S3 server: it may answer in a moment. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/** The problems of file endpoints: upload refusals, storage off or down, then the usual mapping. */
export function fileProblemFromError(error: unknown, correlationId: string): HttpProblem {
  if (error instanceof UploadTooLarge) return problems.tooLarge(error.limitBytes);
  if (error instanceof UnsupportedUploadType) {
    return new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', error.message, {
      accepted: error.accepted,
    });
  }
  if (error instanceof EmptyUpload) {
    return problems.validation([{ path: 'body', message: 'must not be empty' }]);
  }
  if (error instanceof StorageNotConfigured) return storageNotConfigured();
  const code = (error as { code?: unknown } | null)?.code;
  if (isS3Error(error) || (typeof code === 'string' && UNREACHABLE.has(code))) {
    return problems.serviceUnavailable(correlationId);
  }
  return problemFromError(error, correlationId);
}
