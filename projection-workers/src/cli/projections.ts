/**
 * Ops CLI: `npm run projections -- status | dead-letters [projection] | retry <id> | replay ... |
 * republish ...` (see run.ts and commands/). Reads the same settings as the workers
 * (DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, MONGO_URL, KAFKA_BROKERS for republish).
 */
import { createMongo, PostgresEventStore } from '@meetings/db';
import { createUpcasterRegistry } from '@meetings/events';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { destination, pino } from 'pino';
import { KafkaPublisher } from '../adapters/kafka/kafka-publisher.js';
import { PostgresDeadLetterStore } from '../adapters/postgres/postgres-dead-letter-store.js';
import { loadConfig, projectionSettings } from '../config.js';
import { UsageError } from '../ops/errors.js';
import { createProjections } from '../projections.js';
import type { CliContext } from './context.js';
import { runCli } from './run.js';

const io = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
let config;
try {
  config = loadConfig();
} catch (error) {
  io.err((error as Error).message);
  process.exit(2);
}
// A rebuild holds its lock's connection, a batch's transaction and reads the log beside it, and
// `rebuild` runs the projections it is given side by side: room for a dozen. The pool opens
// connections only as they are needed.
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 40 });
const redis = new Redis(config.REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX, lazyConnect: true });
// With MONGO_URL, the `mongo-analytics` projection is listed, replayed and retried like the others.
const mongo = config.MONGO_URL
  ? createMongo({ url: config.MONGO_URL, database: config.MONGO_DATABASE, appName: 'projections-cli' })
  : null;
const projections = createProjections({
  mongo: mongo?.db,
  pool,
  redis,
  logger: pino({ level: 'silent' }),
  ...projectionSettings(config),
});
const brokers = config.KAFKA_BROKERS;
const clientId = config.KAFKA_CLIENT_ID;
const ctx: CliContext = {
  pool,
  store: new PostgresEventStore(pool),
  upcasters: createUpcasterRegistry(),
  projections,
  deadLetters: new PostgresDeadLetterStore(pool),
  batchSize: config.PROJECTION_BATCH_SIZE,
  bulkBatchSize: config.PROJECTION_REBUILD_BULK_BATCH_SIZE,
  ...(mongo ? { mongo: mongo.db } : {}),
  redis: {
    client: redis,
    keyPrefix: config.REDIS_KEY_PREFIX,
    notifyMaxAgeSeconds: config.NOTIFY_MAX_AGE_SECONDS,
  },
  logger: pino({ level: config.LOG_LEVEL }, destination(2)),
  retiredGraceSeconds: config.PROJECTION_RETIRED_GRACE_SECONDS,
  kafkaProfile: brokers !== undefined,
  relayName: 'kafka-relay',
  async connectPublisher() {
    if (!brokers) throw new UsageError('republish needs KAFKA_BROKERS (the brokers the relay publishes to)');
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    const publisher = new KafkaPublisher(new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING }));
    await publisher.connect();
    return publisher;
  },
};
try {
  process.exitCode = await runCli(ctx, process.argv.slice(2), io);
} finally {
  await pool.end();
  redis.disconnect();
  await mongo?.close();
}
