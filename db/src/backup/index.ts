export { BACKUP_FORMAT, BACKUP_VERSION, BackupFormatError } from './format.js';
export type { BackupHeader } from './format.js';
export { writeBackup } from './write-backup.js';
export type { BackupProgress, BackupSummary } from './write-backup.js';
export { readBackup } from './read-backup.js';
export { applyAfterRebuild, DatabaseNotEmptyError, loadBackup, nonEmptyTables } from './load-backup.js';
export type { LoadOptions, LoadResult, TransactionIdMode } from './load-backup.js';
export {
  BACKED_UP_SECTIONS,
  MUST_BE_EMPTY,
  PROJECTION_STATE_TABLES,
  PROJECTION_TABLES,
  SCHEMA_TABLES,
} from './tables.js';
