import { fileTypeFromBuffer } from 'file-type';

/** The image types an avatar may be: what browsers show everywhere. */
export const AVATAR_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/**
 * The MIME type the bytes say they are (magic numbers, file-type), or null when they say nothing
 * known. A client's Content-Type header is never trusted: it is whatever the client claims.
 */
export async function sniffContentType(head: Uint8Array): Promise<string | null> {
  if (head.length === 0) return null;
  return (await fileTypeFromBuffer(head))?.mime ?? null;
}
