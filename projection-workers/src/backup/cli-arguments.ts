import type { TransactionIdMode } from '@meetings/db';
import { BackupUsageError, parseLocation } from './backup-location.js';
import type { BackupLocation } from './backup-location.js';

export const BACKUP_USAGE = 'usage: npm run backup -- [--to <file> | --to s3://<bucket>/<key>]';
export const RESTORE_USAGE =
  'usage: npm run restore -- <file | s3://<bucket>/<key>> [--transaction-ids auto|preserve|remap]';

/** The default file: in the working directory, named by the time (UTC) so that two never collide. */
export function defaultBackupFile(now: Date): string {
  return `meetings-backup-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.jsonl.gz`;
}

export function parseBackupArguments(args: readonly string[], now = new Date()): { to: BackupLocation } {
  let to: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--to') {
      if (to !== undefined) throw new BackupUsageError('--to is given twice');
      to = args[++i];
      if (to === undefined) throw new BackupUsageError('--to needs a file or s3://<bucket>/<key>');
    } else if (arg.startsWith('--to=')) {
      if (to !== undefined) throw new BackupUsageError('--to is given twice');
      to = arg.slice('--to='.length);
    } else {
      throw new BackupUsageError(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  return { to: parseLocation(to ?? defaultBackupFile(now)) };
}

const MODES: readonly TransactionIdMode[] = ['auto', 'preserve', 'remap'];

export function parseRestoreArguments(args: readonly string[]): {
  from: BackupLocation;
  transactionIds: TransactionIdMode;
} {
  let from: string | undefined;
  let mode: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--transaction-ids' || arg.startsWith('--transaction-ids=')) {
      if (mode !== undefined) throw new BackupUsageError('--transaction-ids is given twice');
      mode = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
      if (!MODES.includes(mode as TransactionIdMode)) {
        throw new BackupUsageError(`--transaction-ids must be one of ${MODES.join(', ')}`);
      }
    } else if (arg.startsWith('-')) {
      throw new BackupUsageError(`unknown option ${JSON.stringify(arg)}`);
    } else if (from !== undefined) {
      throw new BackupUsageError('give one backup to restore');
    } else {
      from = arg;
    }
  }
  if (from === undefined) throw new BackupUsageError('give the backup to restore');
  return { from: parseLocation(from), transactionIds: (mode ?? 'auto') as TransactionIdMode };
}
