import {
  BackupFormatError,
  createMongo,
  createPool,
  DatabaseNotEmptyError,
  ensureDatabase,
  migrate,
} from '@meetings/db';
import { loadConfigOrExit } from '@meetings/events';
import { setMaxListeners } from 'node:events';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { BackupUsageError, describe, readFrom } from '../backup/backup-location.js';
import { parseRestoreArguments, RESTORE_USAGE } from '../backup/cli-arguments.js';
import { ProjectionNotEmptyError } from '../backup/rebuild-projections.js';
import { restoreBackup } from '../backup/restore.js';
import { loadConfig, projectionSettings } from '../config.js';
import { createProjections } from '../projections.js';

/**
 * `npm run restore -- <file | s3://<bucket>/<key>>`: migrates the database, loads the backup into
 * it (refused unless it is empty), then rebuilds every projection to the head of the restored log.
 * Run it with the services stopped.
 */
let args;
try {
  args = parseRestoreArguments(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof BackupUsageError)) throw error;
  console.error(`restore: ${error.message}\n${RESTORE_USAGE}`);
  process.exit(2);
}
const config = loadConfigOrExit('restore', loadConfig);
// Every runner listens on the worker's one abort signal: a dozen projections are not a leak.
setMaxListeners(64);
const logger = pino({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
if (await ensureDatabase(config.DATABASE_URL)) console.error(`restore: created the database`);
await migrate(config.DATABASE_URL, 'latest');
const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DB_POOL_SIZE }, logger);
const redis = new Redis(config.REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX });
const etcd = config.ETCD_ENDPOINTS.length > 0 ? new Etcd3({ hosts: config.ETCD_ENDPOINTS }) : undefined;
const mongo = config.MONGO_URL
  ? createMongo({ url: config.MONGO_URL, database: config.MONGO_DATABASE, appName: 'restore' })
  : undefined;
const deps = {
  pool,
  redis,
  logger,
  ...projectionSettings(config),
  etcd,
  mongo: mongo?.db,
};
let last = 0;
try {
  const result = await restoreBackup({
    deps,
    projections: createProjections(deps),
    open: () => readFrom(args.from),
    transactionIds: args.transactionIds,
    onLoadProgress: (p) => {
      if (Date.now() - last < 1000 && p.rows !== p.total) return;
      last = Date.now();
      console.error(`restore: loaded ${p.section} ${p.rows}/${p.total}`);
    },
    onRebuildProgress: (p) => {
      const behind = p.behind.map((b) => `${b.name} at ${b.globalPosition}`).join(', ');
      console.error(
        `restore: rebuilding, ${p.atHead}/${p.total} projections at position ${p.head?.globalPosition ?? 0}` +
          (behind ? `; ${behind}` : ''),
      );
    },
  });
  const counts = result.load.header.sections.map((s) => `${s.name} ${s.rows}`).join(', ');
  console.log(
    `restore: ${describe(args.from)} loaded in ${result.loadMs} ms (${counts}; transaction ids ` +
      `${result.load.transactionIds}), projections rebuilt in ${result.rebuildMs} ms`,
  );
} catch (error) {
  const refused =
    error instanceof BackupUsageError ||
    error instanceof BackupFormatError ||
    error instanceof DatabaseNotEmptyError ||
    error instanceof ProjectionNotEmptyError;
  console.error(`restore ${refused ? 'refused' : 'failed'}: ${(error as Error).message}`);
  process.exitCode = refused ? 2 : 1;
} finally {
  redis.disconnect();
  etcd?.close();
  await mongo?.client.close();
  await pool.end();
}
