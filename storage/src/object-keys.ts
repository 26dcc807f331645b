import { randomUUID } from 'node:crypto';

/**
 * The bucket's layout, as the seed's 000 draws it:
 *
 *   recordings/meeting_<id>/recording_<yyyymmdd_hhmmss>.<ext>   (and the same name with .log)
 *   media/avatars/user_<id>.jpg
 *   media/documents/meeting_<id>_<name>
 *   temp/uploads/<uuid>
 *
 * Every key is built here from validated parts, so no client input can name another key: ids are
 * UUIDs, names pass safeFileNameProblem, and nothing else reaches a key.
 */
export const RECORDINGS_PREFIX = 'recordings/';
export const AVATARS_PREFIX = 'media/avatars/';
export const DOCUMENTS_PREFIX = 'media/documents/';
export const TEMP_UPLOADS_PREFIX = 'temp/uploads/';

/** A file name's longest UTF-8 form (a common file system limit; S3 keys go up to 1024 bytes). */
export const MAX_FILE_NAME_BYTES = 255;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXTENSION = /^[a-z0-9]{1,10}$/;
// C0 and C1 controls, DEL, and the bidirectional overrides/isolates that disguise an extension
// (`invoice\u202Efdp.exe` shows as `invoiceexe.pdf`).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export class InvalidKeyPartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyPartError';
  }
}

function uuid(id: string, what: string): string {
  if (!UUID.test(id)) throw new InvalidKeyPartError(`${what} must be a UUID`);
  return id.toLowerCase();
}

/**
 * Why `name` cannot be a file name in a key, or null when it can. Checked on the NFC form (see
 * normalizeFileName): no path separators, no NUL or other control characters, no bidi overrides,
 * no lone surrogates, no '..', not blank or padded with spaces, at most MAX_FILE_NAME_BYTES.
 */
export function safeFileNameProblem(name: string): string | null {
  if (LONE_SURROGATE.test(name)) return 'must not contain lone surrogates';
  const nfc = name.normalize('NFC');
  if (nfc.length === 0) return 'must not be empty';
  if (nfc.trim() !== nfc) return 'must not start or end with white space';
  if (nfc.includes('/') || nfc.includes('\\')) return "must not contain '/' or '\\'";
  if (FORBIDDEN.test(nfc)) return 'must not contain control characters';
  if (nfc.includes('..')) return "must not contain '..'";
  if (nfc === '.') return "must not be '.'";
  if (Buffer.byteLength(nfc, 'utf8') > MAX_FILE_NAME_BYTES) {
    return `must be at most ${MAX_FILE_NAME_BYTES} bytes in UTF-8`;
  }
  return null;
}

/** The NFC form of a safe file name (what keys and read models hold); throws on an unsafe one. */
export function normalizeFileName(name: string): string {
  const problem = safeFileNameProblem(name);
  if (problem) throw new InvalidKeyPartError(`file name ${problem}`);
  return name.normalize('NFC');
}

const two = (n: number) => String(n).padStart(2, '0');

/** `yyyymmdd_hhmmss` in UTC, the seed's recording file stamp. */
export function recordingStamp(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new InvalidKeyPartError('recording start must be a valid date');
  const date = `${at.getUTCFullYear()}${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}`;
  return `${date}_${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}`;
}

/** `recordings/meeting_<id>/recording_<yyyymmdd_hhmmss>.<ext>`; ext like `webm`, `mp4`, `mkv`. */
export function recordingKey(meetingId: string, startedAt: Date, extension: string): string {
  if (!EXTENSION.test(extension)) throw new InvalidKeyPartError('extension must be 1-10 of a-z 0-9');
  return `${RECORDINGS_PREFIX}meeting_${uuid(meetingId, 'meetingId')}/recording_${recordingStamp(startedAt)}.${extension}`;
}

/** The recorder's log beside the recording: the same key with `.log`. */
export function recordingLogKey(meetingId: string, startedAt: Date): string {
  return recordingKey(meetingId, startedAt, 'log');
}

/** All of a meeting's recordings. */
export function meetingRecordingsPrefix(meetingId: string): string {
  return `${RECORDINGS_PREFIX}meeting_${uuid(meetingId, 'meetingId')}/`;
}

/**
 * `media/avatars/user_<id>.jpg`. The seed names every avatar `.jpg`; the object's Content-Type
 * says what it really is (a PNG or WebP keeps its own type).
 */
export function avatarKey(userId: string): string {
  return `${AVATARS_PREFIX}user_${uuid(userId, 'userId')}.jpg`;
}

/**
 * `media/documents/meeting_<id>_<name>`; with `disambiguator` (used when the plain key is taken by
 * another document) `media/documents/meeting_<id>_<disambiguator>_<name>`, so the original name
 * stays the key's tail and two documents never share an object.
 */
export function documentKey(meetingId: string, name: string, disambiguator?: string): string {
  const safe = normalizeFileName(name);
  const prefix = `${DOCUMENTS_PREFIX}meeting_${uuid(meetingId, 'meetingId')}_`;
  if (disambiguator === undefined) return prefix + safe;
  if (!/^[a-z0-9]{1,36}$/.test(disambiguator)) {
    throw new InvalidKeyPartError('disambiguator must be 1-36 of a-z 0-9');
  }
  return `${prefix}${disambiguator}_${safe}`;
}

/** `temp/uploads/<uuid>`: where an upload lands before it is checked and copied to its place. */
export function tempUploadKey(id: string = randomUUID()): string {
  return `${TEMP_UPLOADS_PREFIX}${uuid(id, 'upload id')}`;
}
