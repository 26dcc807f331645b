import { createPool, writeBackup } from '@meetings/db';
import { loadConfigOrExit } from '@meetings/events';
import { pino } from 'pino';
import { BackupUsageError, describe, writeTo } from '../backup/backup-location.js';
import { BACKUP_USAGE, parseBackupArguments } from '../backup/cli-arguments.js';
import { loadConfig } from '../config.js';

/**
 * `npm run backup -- [--to <file> | --to s3://<bucket>/<key>]`: the event store and the write
 * side's state (see README "Backups") in one consistent snapshot, while the services run.
 */
let to;
try {
  ({ to } = parseBackupArguments(process.argv.slice(2)));
} catch (error) {
  if (!(error instanceof BackupUsageError)) throw error;
  console.error(`backup: ${error.message}\n${BACKUP_USAGE}`);
  process.exit(2);
}
const config = loadConfigOrExit('backup', loadConfig);
const logger = pino({ level: 'warn' });
const pool = createPool({ connectionString: config.DATABASE_URL, max: 2 }, logger);
const started = Date.now();
let last = 0;
try {
  const summary = await writeTo(to, (out) =>
    writeBackup(pool, out, (p) => {
      if (Date.now() - last < 1000 && p.rows !== p.total) return;
      last = Date.now();
      console.error(`backup: ${p.section} ${p.rows}/${p.total}`);
    }),
  );
  const counts = summary.header.sections.map((s) => `${s.name} ${s.rows}`).join(', ');
  console.log(
    `backup: wrote ${describe(to)} (${summary.bytes} bytes gzip'd) in ${Date.now() - started} ms: ${counts}; ` +
      `log head position ${summary.header.head.globalPosition}`,
  );
} catch (error) {
  console.error(`backup failed: ${(error as Error).message}`);
  process.exitCode = error instanceof BackupUsageError ? 2 : 1;
} finally {
  await pool.end();
}
