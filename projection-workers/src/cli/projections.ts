/**
 * Ops CLI: `npm run projections -- status | dead-letters [projection] | retry <id>`.
 * Reads the same settings as the workers (DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, MONGO_URL).
 */
import { createMongo, PostgresEventStore } from '@meetings/db';
import { createUpcasterRegistry, formatCheckpoint } from '@meetings/events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { loadConfig } from '../config.js';
import { retryDeadLetter } from '../dead-letter-retry.js';
import { createProjections } from '../projections.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
const redis = new Redis(config.REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX, lazyConnect: true });
// With MONGO_URL, the `mongo-analytics` projection is listed and retried like the others.
const mongo = config.MONGO_URL
  ? createMongo({ url: config.MONGO_URL, database: config.MONGO_DATABASE, appName: 'projections-cli' })
  : null;
const deps = {
  mongo: mongo?.db,
  pool,
  redis,
  redisKeyPrefix: config.REDIS_KEY_PREFIX,
  logger: pino({ level: 'silent' }),
  batchSize: config.PROJECTION_BATCH_SIZE,
  pollIntervalMs: config.PROJECTION_POLL_INTERVAL_MS,
  maxAttempts: config.PROJECTION_MAX_ATTEMPTS,
  notifyMaxAgeSeconds: config.NOTIFY_MAX_AGE_SECONDS,
};
const projections = createProjections(deps);
const deadLetters = new PostgresDeadLetterStore(pool);
const [command, arg] = process.argv.slice(2);

async function status() {
  const { rows } = await pool.query<{ head: string | null; n: string }>(
    `SELECT (SELECT max(global_position) FROM es_events)::text AS head, count(*)::text AS n FROM es_events`,
  );
  console.log(`log: ${rows[0]!.n} events, last position ${rows[0]!.head ?? 0}`);
  for (const { projector, target } of projections) {
    const checkpoint = await target.loadCheckpoint(projector.name);
    const behind = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM es_events WHERE type = ANY($1) AND (transaction_id, global_position) > ($2::text::xid8, $3)`,
      [projector.eventTypes, String(checkpoint?.transactionId ?? 0), checkpoint?.globalPosition ?? 0],
    );
    const pending = await deadLetters.list({ projection: projector.name, status: 'pending' });
    console.log(
      `${projector.name.padEnd(16)} checkpoint ${checkpoint ? formatCheckpoint(checkpoint) : '(none)'}  behind ${behind.rows[0]!.n} events  dead letters ${pending.length}`,
    );
  }
}

async function list() {
  for (const d of await deadLetters.list(arg ? { projection: arg } : {})) {
    console.log(
      `#${d.id} [${d.status}] ${d.projection} ${d.eventType} ${d.streamId}@${d.streamVersion} (${d.attempts} tries): ${d.error}`,
    );
  }
}

async function retry() {
  const id = Number(arg);
  if (!Number.isSafeInteger(id)) throw new Error('usage: retry <dead letter id>');
  const outcome = await retryDeadLetter(id, {
    deadLetters,
    store: new PostgresEventStore(pool),
    upcasters: createUpcasterRegistry(),
    projections,
  });
  console.log(
    outcome.status === 'resolved' ? `#${id} applied and resolved` : `#${id} failed again: ${outcome.error}`,
  );
  if (outcome.status === 'failed') process.exitCode = 1;
}

const commands: Record<string, () => Promise<void>> = { status, 'dead-letters': list, retry };
try {
  const run = commands[command ?? ''];
  if (!run) throw new Error(`usage: npm run projections -- ${Object.keys(commands).join(' | ')}`);
  await run();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 2;
} finally {
  await pool.end();
  redis.disconnect();
  await mongo?.close();
}
