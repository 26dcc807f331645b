import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A backup file: gzip of UTF-8 lines, each a one-letter tag, a space and JSON.
 *   H {header}          first line: format, version, what is in the file
 *   S {"name": ...}     a section (a table) starts
 *   R {row}             a row, exactly as PostgreSQL's row_to_json wrote it (never parsed by
 *                       Node, so bigint values and jsonb keep every digit and byte)
 *   E {"sha256": ...}   last line: SHA-256 of every line before it (newlines included)
 * A file that does not end with a matching E line is refused, so a truncated or altered file
 * cannot be restored halfway.
 */
export const BACKUP_FORMAT = 'meetings-event-store-backup';
export const BACKUP_VERSION = 1;

export const BackupHeaderSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.string(),
  /** The migrations the source database had run: a restore needs the code to know them all. */
  migrations: z.array(z.string()),
  /** The newest event of the snapshot in log order (decimal strings; "0" for an empty log). */
  head: z.object({ transactionId: z.string().regex(/^\d+$/), globalPosition: z.string().regex(/^\d+$/) }),
  /** How many distinct writing transactions the events came from. */
  transactions: z.number().int().nonnegative(),
  sections: z.array(z.object({ name: z.string(), rows: z.number().int().nonnegative() })),
});
export type BackupHeader = z.infer<typeof BackupHeaderSchema>;

export const TrailerSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  lines: z.number().int(),
});

/** Why a backup file is refused; the message says where and what. */
export class BackupFormatError extends Error {
  override readonly name = 'BackupFormatError';
}

export type Tag = 'H' | 'S' | 'R' | 'E';

export function line(tag: Tag, json: string): string {
  return `${tag} ${json}\n`;
}

/** The running checksum of the lines before the trailer. */
export class LineDigest {
  private readonly hash = createHash('sha256');
  count = 0;

  /** `text` is `lines` whole lines, newlines included. */
  add(text: string, lines = 1): void {
    this.hash.update(text, 'utf8');
    this.count += lines;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}
