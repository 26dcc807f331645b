/** Why an upload was refused or could not be stored; the HTTP layer maps each to its problem. */

/** The body is larger than the endpoint's limit (413). */
export class UploadTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`the upload exceeds ${limitBytes} bytes`);
    this.name = 'UploadTooLarge';
  }
}

/** The bytes are not of a type the endpoint takes, whatever the Content-Type header said (415). */
export class UnsupportedUploadType extends Error {
  constructor(readonly accepted: readonly string[]) {
    super(`the file must be one of ${accepted.join(', ')} (judged from its bytes)`);
    this.name = 'UnsupportedUploadType';
  }
}

/** An upload of zero bytes (400). */
export class EmptyUpload extends Error {
  constructor() {
    super('the upload is empty');
    this.name = 'EmptyUpload';
  }
}

/** No S3_ENDPOINT is configured: the service runs without files (503 storage-not-configured). */
export class StorageNotConfigured extends Error {
  constructor() {
    super('this service runs without object storage (no S3_ENDPOINT)');
    this.name = 'StorageNotConfigured';
  }
}
