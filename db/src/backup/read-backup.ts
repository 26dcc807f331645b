import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BackupFormatError, BackupHeaderSchema, LineDigest, TrailerSchema } from './format.js';
import type { BackupHeader } from './format.js';

export type BackupPart =
  { kind: 'header'; header: BackupHeader } | { kind: 'rows'; section: string; rows: string[] };

const BATCH_ROWS = 2_000;

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BackupFormatError(`${where}: not JSON`);
  }
}

/**
 * Reads a backup file (format.ts) as its header and batches of row lines. The checksum and the
 * row counts are checked as the file is read, and the last part is only returned once the trailer
 * matched: a consumer that applies parts inside one transaction and commits after the loop never
 * commits a truncated or altered file. Row lines are handed on as text (PostgreSQL parses them).
 */
export async function* readBackup(input: Readable): AsyncGenerator<BackupPart> {
  const gunzip = createGunzip();
  input.on('error', (e) => gunzip.destroy(e));
  // The gzip trailer (CRC, length) is checked after the last line: wait for the stream's own end.
  const ended = finished(gunzip).then(
    () => null,
    (e: Error) => e,
  );
  const lines = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity });
  // Surfaced through `ended`; an 'error' event nobody listens to would crash the process.
  lines.on('error', () => undefined);
  const digest = new LineDigest();
  let header: BackupHeader | undefined;
  let section: { name: string; rows: number; expected: number } | undefined;
  let pending: string[] = [];
  let sectionIndex = -1;
  let trailerSeen = false;
  let n = 0;
  const closeSection = () => {
    if (section && section.rows !== section.expected) {
      throw new BackupFormatError(
        `section ${section.name}: ${section.rows} rows, the header says ${section.expected}`,
      );
    }
  };
  try {
    for await (const text of lines) {
      n++;
      if (trailerSeen) throw new BackupFormatError(`line ${n}: data after the end of the backup`);
      const tag = text.slice(0, 2);
      const body = text.slice(2);
      if (n === 1) {
        if (tag !== 'H ') throw new BackupFormatError('line 1: not a backup file (no header)');
        const parsed = BackupHeaderSchema.safeParse(parseJson(body, 'line 1'));
        if (!parsed.success) {
          throw new BackupFormatError(
            `line 1: not a backup this version reads (${parsed.error.issues[0]?.message})`,
          );
        }
        header = parsed.data;
        digest.add(`${text}\n`);
        yield { kind: 'header', header };
        continue;
      }
      if (tag === 'R ') {
        if (!section) throw new BackupFormatError(`line ${n}: a row outside a section`);
        if (!body.startsWith('{') || !body.endsWith('}')) throw new BackupFormatError(`line ${n}: not a row`);
        digest.add(`${text}\n`);
        section.rows++;
        pending.push(body);
        if (pending.length >= BATCH_ROWS) {
          yield { kind: 'rows', section: section.name, rows: pending };
          pending = [];
        }
      } else if (tag === 'S ') {
        if (section && pending.length) yield { kind: 'rows', section: section.name, rows: pending };
        pending = [];
        closeSection();
        const name = (parseJson(body, `line ${n}`) as { name?: unknown }).name;
        const expected = header!.sections[++sectionIndex];
        if (!expected || expected.name !== name) {
          throw new BackupFormatError(
            `line ${n}: section ${String(name)} is not the one the header announces`,
          );
        }
        digest.add(`${text}\n`);
        section = { name: expected.name, rows: 0, expected: expected.rows };
      } else if (tag === 'E ') {
        const trailer = TrailerSchema.safeParse(parseJson(body, `line ${n}`));
        const sum = digest.hex();
        if (!trailer.success || trailer.data.sha256 !== sum || trailer.data.lines !== n - 1) {
          throw new BackupFormatError(`line ${n}: checksum mismatch: the backup is corrupt`);
        }
        closeSection();
        if (sectionIndex !== header!.sections.length - 1) {
          throw new BackupFormatError('the backup ends before every section the header announces');
        }
        trailerSeen = true;
      } else {
        throw new BackupFormatError(`line ${n}: unknown line`);
      }
    }
  } catch (error) {
    if (error instanceof BackupFormatError) throw error;
    // zlib's "unexpected end of file", "incorrect header check"...
    throw new BackupFormatError(`not a readable backup: ${(error as Error).message}`);
  }
  const streamError = await ended;
  if (streamError) throw new BackupFormatError(`not a readable backup: ${streamError.message}`);
  if (n === 0) throw new BackupFormatError('the backup is empty');
  if (!trailerSeen) throw new BackupFormatError('the backup is truncated: it has no end line');
  if (section && pending.length) yield { kind: 'rows', section: section.name, rows: pending };
}
