import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/*
 * One personal field, encrypted with its subject's key (AES-256-GCM): `pd1:` and the base64url of
 * IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes). The subject and field name are the additional data,
 * so a sealed value cannot be moved to another user or another field without failing to open.
 * Anything without the prefix is clear text, as events appended before encryption hold.
 */
const PREFIX = 'pd1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const KEY_BYTES = 32;

export const isSealed = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(PREFIX);

export function seal(key: Buffer, aad: string, clear: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The clear text, or null when the value does not open with this key (not ours, or tampered). */
export function open(key: Buffer, aad: string, sealed: string): string | null {
  const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}
